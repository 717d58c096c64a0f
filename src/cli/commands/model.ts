/** `scenery model convert|fetch|import|list|info|use|remove`. */
import { ModelStore } from '../../engine/model/store/model-store.js';
import { convertModel, type Variant } from '../../engine/model/convert.js';
import { defaultModelsDir } from '../../engine/paths.js';
import { parse, UsageError } from '../args.js';

export const modelHelp = `scenery model convert SRC --out FILE.onnx [--variant places365|hybrid1365]
scenery model fetch vgg16-places365|vgg16-hybrid1365
scenery model import FILE [--name vgg16-places365|vgg16-hybrid1365|custom-NAME]
scenery model list [--json]
scenery model info NAME [--json]
scenery model use NAME       the model used when none is given (the app's model switcher does the same)
scenery model remove NAME
  --models DIR   the model store (default: <user data>/models)`;

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function bar(received: number, total: number | null): string {
  if (!total) return `${(received / 1e6).toFixed(1)} MB`;
  const pct = received / total;
  const w = 30;
  return `[${'#'.repeat(Math.round(pct * w)).padEnd(w, '.')}] ${(pct * 100).toFixed(1)}% ${(received / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`;
}

export async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    out: { type: 'string' },
    variant: { type: 'string' },
    models: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean' },
  });
  const store = new ModelStore(values.models ?? defaultModelsDir());
  switch (sub) {
    case 'convert': {
      const src = positionals[0];
      if (!src || !values.out) throw new UsageError('usage: scenery model convert SRC --out FILE.onnx [--variant places365|hybrid1365]');
      if (values.variant && values.variant !== 'places365' && values.variant !== 'hybrid1365') throw new UsageError('--variant is places365 or hybrid1365');
      const r = await convertModel(src, values.out, { variant: values.variant as Variant | undefined });
      console.log(
        `converted ${r.format} → ${r.onnxPath} (+ ${r.dataPath})\n  ${r.variant}, ${r.parameters.toLocaleString('en')} parameters, conv ${r.shape.convWidths.join('/')}, fc ${r.shape.fc}\n  ${r.seconds.toFixed(1)} s, peak RSS ${peakRssMb()} MB`,
      );
      return 0;
    }
    case 'fetch': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model fetch vgg16-places365|vgg16-hybrid1365');
      const m = await store.fetch(name, {
        onProgress: (p) => process.stderr.write(`\r${bar(p.receivedBytes, p.totalBytes)}`),
        onStep: (s) => process.stderr.write(`\n${s}…\n`),
      });
      console.log(`installed ${m.title}: ${m.parameters.toLocaleString('en')} parameters, sha256 ${m.sha256}`);
      return 0;
    }
    case 'import': {
      const file = positionals[0];
      if (!file) throw new UsageError('usage: scenery model import FILE [--name vgg16-places365|vgg16-hybrid1365|custom-NAME]');
      const m = await store.import(file, { name: values.name, onStep: (s) => process.stderr.write(`${s}…\n`) });
      console.log(
        `installed ${m.name} (${m.title}, ${m.parameters.toLocaleString('en')} parameters, ${m.labels}) from ${file}: sha256 ${m.sha256}, peak RSS ${peakRssMb()} MB`,
      );
      return 0;
    }
    case 'list': {
      const list = store.list();
      const current = list.length ? store.resolve(null).name : null;
      if (values.json) console.log(JSON.stringify(list.map((m) => ({ ...m, current: m.name === current })), null, 2));
      else if (!list.length) console.log(`no models installed in ${store.dir}`);
      else for (const m of list) console.log(`${m.name === current ? '*' : ' '} ${m.name.padEnd(28)} ${m.title} (${m.parameters.toLocaleString('en')} parameters)`);
      return 0;
    }
    case 'use': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model use NAME');
      const m = store.use(name);
      console.log(`${m.name} (${m.title}) is now the model used when none is given`);
      return 0;
    }
    case 'remove': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model remove NAME');
      const m = store.remove(name);
      const next = store.list().length ? store.resolve(null).name : null;
      console.log(`removed ${m.name} (${m.title})${next ? `; the model used now is ${next}` : '; no model is installed any more'}`);
      return 0;
    }
    case 'info': {
      const name = positionals[0];
      if (!name) throw new UsageError('usage: scenery model info NAME');
      const m = store.resolve(name);
      if (values.json) console.log(JSON.stringify(m, null, 2));
      else {
        console.log(
          [
            `name:        ${m.name}`,
            `title:       ${m.title}`,
            `labels:      ${m.labels} (${m.labels === 'hybrid1365' ? '1000 ImageNet objects + 365 places' : '365 places'})`,
            `parameters:  ${m.parameters.toLocaleString('en')}`,
            `source:      ${m.source}`,
            `license:     ${m.license}`,
            `sha256:      ${m.sha256 ?? 'not recorded'}`,
            `installed:   ${m.installedAt ?? '-'}`,
            `file:        ${m.onnxPath}`,
          ].join('\n'),
        );
      }
      return 0;
    }
    default:
      throw new UsageError(modelHelp);
  }
}
