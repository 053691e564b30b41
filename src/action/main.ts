// The GitHub Action's entry (action.yml runs its bundle, action/index.js, built by `npm run
// build:action`): the inputs become the CLI's arguments and the CLI's own main() runs them in this
// process. The CLI writes the step summary, the outputs and the annotations, as it does on any runner.
import { setFlagsFromString } from 'node:v8';
import { errorMessage } from '../core/errors';
import { EXIT } from '../cli/exitCodes';
import { errorAnnotation } from '../cli/githubActions';
import { main } from '../cli/main';
import { quietLibraryWarnings } from '../cli/processWarnings';
import { ActionInputError, cliArguments } from './inputs';

async function run(): Promise<number> {
  let argv: string[];
  try {
    argv = cliArguments(process.env);
  } catch (error) {
    if (!(error instanceof ActionInputError)) throw error;
    process.stderr.write(`${error.message}\n${errorAnnotation(error.message, 'image-promotion inputs')}\n`);
    return EXIT.usage;
  }
  return main(argv);
}

// As dist/cli.js does: no wait at exit for V8's optimising compile of undici's parser, no undici H2 notice.
setFlagsFromString('--liftoff-only');
quietLibraryWarnings();
run().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`${errorAnnotation(`image-promotion: ${errorMessage(error)}`)}\n`);
    process.exit(EXIT.infrastructure);
  },
);
