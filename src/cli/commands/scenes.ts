/**
 * `scenery scenes`: personal scenes from the command line (engine/personal/):
 * create one from example photos, answer yes/no for more photos, list and
 * remove them. `scenery search NAME` then lists a scene's photos.
 */
import { Library } from '../../engine/library.js';
import { defaultLibraryDir } from '../../engine/paths.js';
import { damagedCatalogError } from '../../engine/catalog/catalog.js';
import { ContractError } from '../../shared/contract.js';
import { parse, UsageError } from '../args.js';
import { join, resolve } from 'node:path';

export const scenesHelp = `scenery scenes create NAME --example FILE... [--library DIR]
  teaches a personal scene ("Our cabin") from example photos already in the library (3 or more work best)
scenery scenes add NAME FILE... | scenery scenes reject NAME FILE... [--library DIR]
  more photos that are (add) or are not (reject) this scene; the scene is retrained
scenery scenes list [--library DIR] [--json]
  the personal scenes, how many photos each claims, the model they were trained on
scenery scenes remove NAME [--library DIR]
  (\`scenery search NAME --json\` lists a personal scene's photos, best first, with the classifier's score)`;

function photoIds(lib: Library, files: string[]): number[] {
  const missing: string[] = [];
  const ids = files.flatMap((f) => {
    const id = lib.folders.photoIdForPath(f);
    if (id === null) missing.push(f);
    return id === null ? [] : [id];
  });
  if (missing.length) throw new UsageError(`not in the library (add their folder with \`scenery index FOLDER\` first): ${missing.join(', ')}`);
  return ids;
}

function sceneNamed(lib: Library, name: string): number {
  const s = lib.personal.byName(name);
  if (!s) throw new UsageError(`no personal scene called "${name}"; \`scenery scenes list\` shows them`);
  return s.id;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { library: { type: 'string' }, json: { type: 'boolean' }, example: { type: 'string', multiple: true } });
  const [sub, name, ...files] = positionals;
  if (!sub || !['create', 'add', 'reject', 'list', 'remove'].includes(sub)) throw new UsageError(`usage:\n${scenesHelp}`);
  if (sub !== 'list' && !name) throw new UsageError(`scenery scenes ${sub} needs the scene's NAME`);
  // start: false: no scanning or indexing; the scenes train on the descriptors of the model the library was indexed with.
  const lib = await Library.open({ dir: values.library ?? defaultLibraryDir(), start: false, create: false });
  try {
    if (lib.catalog.readOnly && sub !== 'list') throw new Error(`cannot write the library ${lib.dir}: personal scenes are stored in its catalog`);
    switch (sub) {
      case 'create': {
        const examples = [...(values.example ?? []), ...files];
        if (!examples.length) throw new UsageError('scenery scenes create NAME --example FILE...: give at least one example photo');
        const s = await lib.personal.create(name!, photoIds(lib, examples));
        const t = lib.personal.lastTiming;
        console.log(`created "${s.name}" from ${s.examples} example(s): ${s.count} photo(s)${t ? ` (trained and scored ${t.photos} photos in ${Math.round(t.trainMs + t.scoreMs)} ms)` : ''}`);
        if (values.json) console.log(JSON.stringify(s));
        return 0;
      }
      case 'add':
      case 'reject': {
        if (!files.length) throw new UsageError(`scenery scenes ${sub} NAME FILE...: give the photos`);
        const s = await lib.personal.answer(sceneNamed(lib, name!), photoIds(lib, files), sub === 'add', sub === 'add' ? 'yes' : 'no');
        console.log(`"${s.name}": ${s.examples} example(s), ${s.rejected} rejected, ${s.count} photo(s)`);
        return 0;
      }
      case 'remove': {
        lib.personal.remove(sceneNamed(lib, name!));
        console.log(`removed "${name}" (its photos are untouched)`);
        return 0;
      }
      default: {
        const scenes = lib.personal.list();
        if (values.json) console.log(JSON.stringify({ scenes }, null, 2));
        else {
          for (const s of scenes)
            console.log(
              `${s.name.padEnd(24)} ${String(s.count).padStart(6)} photo(s)  ${s.examples} example(s), ${s.rejected} rejected  model ${s.model ?? '-'} (${s.method})${s.stale ? '  (the library was last indexed with another model: retrained from the same examples when Scenery runs it)' : ''}`,
            );
          if (!scenes.length) console.log('no personal scenes yet: scenery scenes create NAME --example FILE...');
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof ContractError) throw new Error(e.message);
    throw e;
  } finally {
    await lib.close();
  }
}

export async function scenesCommand(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    const i = argv.indexOf('--library');
    throw damagedCatalogError(e, join(resolve(i >= 0 && argv[i + 1] ? argv[i + 1]! : defaultLibraryDir()), 'catalog.sqlite')) ?? e;
  }
}
