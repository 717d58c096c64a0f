/** The layer rule covers .svelte components (their <script> blocks), through the project's own ESLint config. */
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function lintComponent(code: string): Promise<{ rule: string | null; line: number }[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, 'src/renderer/src/components/LayerProbe.svelte') });
  return result!.messages.map((m) => ({ rule: m.ruleId, line: m.line }));
}

describe('lint of .svelte components', () => {
  it('reports an engine import and Node globals in a component, at the line in the .svelte file', async () => {
    const code = `<script lang="ts">
  import { api } from '../api/api';
  import { Library } from '../../../engine/library.js';
  const env = process.env;
  let shown = $state(0);
</script>

<p>{shown} {env} {Library} {api}</p>
`;
    expect(await lintComponent(code)).toEqual([
      { rule: 'scenery/layers', line: 3 },
      { rule: 'no-restricted-globals', line: 4 },
    ]);
  });

  it('accepts a component that imports only the renderer and shared (variables used by the markup are not "unused")', async () => {
    const code = `<script lang="ts">
  import { api } from '../api/api';
  import type { PhotoSummary } from '../../../shared/domain';
  let photos = $state<PhotoSummary[]>([]);
</script>

{#each photos as p (p.id)}<img src={api.mediaUrl('thumb', p.id, p.version)} alt="" />{/each}
`;
    expect(await lintComponent(code)).toEqual([]);
  });
});
