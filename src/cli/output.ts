// Results on stdout, messages on stderr, progress only on a terminal, errors annotated on GitHub Actions.
import type { Logger } from '../core/log';
import { errorAnnotation, onGitHubActions } from './githubActions';

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly verbose: boolean,
    private readonly streams: Streams = process,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The command's result: JSON with --json, else the text lines. */
  result(text: string, value: unknown): void {
    this.streams.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') || !text ? text : `${text}\n`);
  }

  message(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** A failure: on stderr, and as an annotation when running on GitHub Actions. */
  error(text: string, title?: string): void {
    this.message(text);
    if (onGitHubActions(this.env)) this.streams.stderr.write(`${errorAnnotation(text, title)}\n`);
  }

  /** Shown only to a person watching a terminal; pipelines get the result alone. */
  progress(text: string): void {
    if (this.streams.stderr.isTTY) this.streams.stderr.write(`… ${text}\n`);
  }

  /** The core's log: on stderr with --verbose, else only its warnings and errors. */
  logger(): Logger {
    const line =
      (level: string) =>
      (message: string | Error): void => {
        this.streams.stderr.write(`[${level}] ${message instanceof Error ? message.message : message}\n`);
      };
    const quiet = (): void => undefined;
    return {
      trace: quiet,
      debug: this.verbose ? line('debug') : quiet,
      info: this.verbose ? line('info') : quiet,
      warn: this.verbose ? line('warn') : quiet,
      error: this.verbose ? line('error') : quiet,
    };
  }
}
