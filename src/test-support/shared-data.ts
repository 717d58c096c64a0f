/**
 * Access to ../shared/data (read-only fixtures next to the repository). Tests
 * that need it call `requireShared()` and are skipped, with the reason
 * printed, when it is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const SHARED = process.env.SCENERY_SHARED_DATA ?? resolve(repoRoot, '..', 'shared', 'data');
export const hasShared = existsSync(join(SHARED, 'reference', 'README.md'));
export const REPO_ROOT = repoRoot;

export function shared(...parts: string[]): string {
  return join(SHARED, ...parts);
}

export const SQUEEZENET = join(SHARED, 'models', 'squeezenet_places365', 'model.onnx');

if (!hasShared) console.warn(`[skip] ../shared/data not found at ${SHARED}: tests that need the reference data and real photos are skipped.`);
