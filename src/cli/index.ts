/** The `scenery` command line. */
import { classifyCommand, classifyHelp } from './commands/classify.js';
import { explainCommand, explainHelp } from './commands/explain.js';
import { modelCommand, modelHelp } from './commands/model.js';
import { UsageError } from './args.js';
import { libraryCommands, libraryHelp } from './commands/library.js';
import { serveCommand, serveHelp } from './commands/serve.js';
import { scenesCommand, scenesHelp } from './commands/scenes.js';
import { keywordsCommand, keywordsHelp } from './commands/keywords.js';
import { ENGINE_VERSION } from '../engine/version.js';
import { endExiftool } from '../engine/metadata/exiftool.js';

const help = `scenery ${ENGINE_VERSION}: scene recognition for your photos, on your machine.

${classifyHelp}

${explainHelp}

${modelHelp}

${libraryHelp}

${scenesHelp}
${keywordsHelp}

${serveHelp}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'classify':
      return classifyCommand(rest);
    case 'explain':
      return explainCommand(rest);
    case 'model':
      return modelCommand(rest);
    case 'index':
    case 'search':
    case 'photos':
      return libraryCommands[cmd](rest);
    case 'scenes':
      return scenesCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'keywords':
      return keywordsCommand(rest);
    case '--version':
    case 'version':
      console.log(ENGINE_VERSION);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(help);
      return 0;
    default:
      console.error(`scenery: unknown command "${cmd}"\n\n${help}`);
      return 2;
  }
}

main(process.argv.slice(2))
  // Every command's library ends ExifTool's processes when it closes; this ends any left by one that did not open.
  .finally(() => endExiftool())
  .then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`scenery: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`scenery: ${(e as Error).message ?? e}`);
      if (process.env.SCENERY_DEBUG) console.error(e);
      process.exitCode = 1;
    }
  },
);
