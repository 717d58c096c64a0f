import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import tseslint from 'typescript-eslint';
import { layersRule } from './layers.js';

describe('scenery/layers lint rule', () => {
  it('enforces the dependency direction', () => {
    const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });
    tester.run('layers', layersRule as never, {
      valid: [
        { filename: '/r/src/engine/library.ts', code: "import { x } from '../shared/contract.js';" },
        { filename: '/r/src/main/index.ts', code: "import { Library } from '../engine/library.js'; import { app } from 'electron';" },
        { filename: '/r/src/renderer/src/App.ts', code: "import type { X } from '../../shared/contract';" },
        { filename: '/r/src/preload/index.ts', code: "import { contextBridge } from 'electron'; import { X } from '../shared/contract';" },
        { filename: '/r/src/cli/index.ts', code: "import { startServer } from '../server/server.js';" },
      ],
      invalid: [
        { filename: '/r/src/shared/contract.ts', code: "import { Library } from '../engine/library.js';", errors: [{ messageId: 'layer' }] },
        { filename: '/r/src/engine/library.ts', code: "import { app } from 'electron';", errors: [{ messageId: 'electron' }] },
        { filename: '/r/src/engine/library.ts', code: "import { x } from '../main/index.js';", errors: [{ messageId: 'layer' }] },
        { filename: '/r/src/renderer/src/App.ts', code: "import { Library } from '../../engine/library';", errors: [{ messageId: 'layer' }] },
        { filename: '/r/src/renderer/src/App.ts', code: "import { readFileSync } from 'node:fs';", errors: [{ messageId: 'node' }] },
        { filename: '/r/src/preload/index.ts', code: "import { Library } from '../engine/library';", errors: [{ messageId: 'layer' }] },
        { filename: '/r/src/server/server.ts', code: "export * from '../renderer/src/api/api';", errors: [{ messageId: 'layer' }] },
        { filename: '/r/src/engine/x.ts', code: "const m = import('../main/index.js');", errors: [{ messageId: 'layer' }] },
      ],
    });
  });
});
