/**
 * Numbered schema migrations. The catalog's `user_version` is the number of
 * the last one applied; each runs in its own transaction. Never edit a
 * released migration: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the initial schema
  `
  CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scanning',
    error TEXT
  );
  CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    rel_path TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    hash TEXT,
    width INTEGER,
    height INTEGER,
    taken_at TEXT,
    taken_ts INTEGER,
    camera TEXT,
    gps_lat REAL,
    gps_lon REAL,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    added_ts INTEGER NOT NULL,
    thumb_key TEXT,
    model TEXT,
    scene_index INTEGER,
    scene_prob REAL,
    corrected INTEGER NOT NULL DEFAULT 0,
    indoor INTEGER,
    UNIQUE (folder_id, rel_path)
  );
  CREATE INDEX photos_status ON photos(status);
  CREATE INDEX photos_hash ON photos(hash);
  CREATE INDEX photos_order_date ON photos(COALESCE(taken_ts, added_ts) DESC, id DESC);
  CREATE INDEX photos_scene ON photos(scene_index, scene_prob DESC);
  CREATE TABLE predictions (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    labels TEXT NOT NULL,
    top_index BLOB NOT NULL,
    top_prob BLOB NOT NULL,
    objects TEXT,
    indoor INTEGER NOT NULL,
    indexed_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, model)
  );
  CREATE TABLE features (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (photo_id, model)
  );
  CREATE TABLE corrections (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    label_index INTEGER,
    rejected TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
  );
  CREATE TABLE jobs (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    enqueued_ts INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before_ts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX jobs_next ON jobs(state, priority DESC, enqueued_ts);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: the kind of failure of a file that could not be read (imaging/failure-reasons.ts), next to its technical message
  `
  ALTER TABLE photos ADD COLUMN error_kind TEXT;
  `,
  // 3: finding a moved or renamed file by its size and modification time (catalog.moveCandidates) without reading every row
  `
  CREATE INDEX photos_size_mtime ON photos(size, mtime_ms);
  `,
  // 4: a RAW and a JPEG of the same shot shown as one photo (catalog.ts refreshShot). `shot` is the file's path
  // without its extension, lower-cased (shot_key(), registered by the catalog before migrating); `pair_id` is the
  // photo a file is shown as part of (its JPEG), NULL when it is a photo of its own.
  `
  ALTER TABLE photos ADD COLUMN shot TEXT;
  ALTER TABLE photos ADD COLUMN pair_id INTEGER;
  UPDATE photos SET shot = shot_key(rel_path);
  CREATE INDEX photos_shot ON photos(folder_id, shot);
  CREATE INDEX photos_pair ON photos(pair_id) WHERE pair_id IS NOT NULL;
  `,
  // 5: what Scenery wrote into each photo's keywords (keywords/keyword-sync.ts): the file written and the flat keywords
  // it added itself, so that it removes only those and never a keyword the person had before
  `
  CREATE TABLE keyword_writes (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    embedded INTEGER NOT NULL,
    owned TEXT NOT NULL,
    hierarchy TEXT NOT NULL,
    written_at TEXT NOT NULL
  );
  `,
  // 6: keywords other apps wrote into the file or its XMP sidecars (metadata/photo-metadata.ts), a JSON array; NULL until read
  `
  ALTER TABLE photos ADD COLUMN keywords TEXT;
  `,
  // 7: personal scenes (engine/personal/): scenes the person teaches by example, trained on the stored descriptors of
  // one model; their examples ("yes" and "no" answers, with where each came from), and the photos each one claims
  // with the classifier's 0..1 score (members only: the rest of the library scores below 0.5)
  `
  CREATE TABLE personal_scenes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    model TEXT,
    method TEXT NOT NULL,
    threshold REAL,
    trained_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE personal_examples (
    scene_id INTEGER NOT NULL REFERENCES personal_scenes(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    positive INTEGER NOT NULL,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (scene_id, photo_id)
  );
  CREATE TABLE personal_members (
    scene_id INTEGER NOT NULL REFERENCES personal_scenes(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    PRIMARY KEY (scene_id, photo_id)
  );
  CREATE INDEX personal_members_score ON personal_members(scene_id, score DESC);
  CREATE INDEX personal_members_photo ON personal_members(photo_id);
  `,
];
