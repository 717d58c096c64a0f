/**
 * What every service is given by `Library` (the composition root): the shared
 * pieces, never the Library itself, so that dependencies point one way
 * (Library → services → catalog, indexer, scanner...).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { EngineEvents } from '../events/engine-events.js';
import type { PhotoChanges } from '../events/photo-changes.js';
import type { Indexer } from '../indexer/indexer.js';
import type { PersonalScenes } from '../personal/personal-scenes.js';

export interface ServiceContext {
  readonly catalog: Catalog;
  readonly events: EngineEvents;
  /** The one "photos changed" path: every service that writes photo data reports here. */
  readonly changes: PhotoChanges;
  readonly indexer: Indexer;
  readonly personal: PersonalScenes;
  /** The confidence threshold in force (a catalog setting). */
  threshold(): number;
  /** True once the library has begun closing: late background work must not emit or write. */
  closed(): boolean;
}
