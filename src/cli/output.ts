// Results on stdout, messages on stderr, progress only on a terminal, errors annotated on GitHub Actions.
// Every line goes out through print(), which makes it inert (see inert.ts): values from a registry,
// a label, gate output or the history can carry neither terminal control nor a workflow command.
import type { Logger } from '../core/log';
import { errorAnnotation, onGitHubActions } from './githubActions';
import { inertJson, inertLine } from './inert';

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Printed lines, one per element. A single string is one line: a line break inside it is a value's own, and is escaped. */
export type Lines = string | readonly string[];

export class Output {
  constructor(
    readonly json: boolean,
    private readonly verbose: boolean,
    private readonly streams: Streams = process,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The command's result: JSON with --json, else the text lines (none for ''). */
  result(lines: Lines, value: unknown): void {
    if (this.json) this.streams.stdout.write(`${inertJson(JSON.stringify(value, null, 2))}\n`);
    else if (lines !== '') this.print(this.streams.stdout, lines);
  }

  message(lines: Lines): void {
    this.print(this.streams.stderr, lines);
  }

  /** A failure: on stderr, and as an annotation when running on GitHub Actions. */
  error(lines: Lines, title?: string): void {
    this.message(lines);
    // The CLI's own workflow command: errorAnnotation escapes its data and properties itself.
    const text = typeof lines === 'string' ? lines : lines.join('\n');
    if (onGitHubActions(this.env)) this.streams.stderr.write(`${errorAnnotation(text, title)}\n`);
  }

  /** Shown only to a person watching a terminal; pipelines get the result alone. */
  progress(text: string): void {
    if (this.streams.stderr.isTTY) this.print(this.streams.stderr, `… ${text}`);
  }

  /** The core's log: on stderr with --verbose, else only its warnings and errors. */
  logger(): Logger {
    const line =
      (level: string) =>
      (message: string | Error): void =>
        this.print(this.streams.stderr, `[${level}] ${message instanceof Error ? message.message : message}`);
    const quiet = (): void => undefined;
    return {
      trace: quiet,
      debug: this.verbose ? line('debug') : quiet,
      info: this.verbose ? line('info') : quiet,
      warn: this.verbose ? line('warn') : quiet,
      error: this.verbose ? line('error') : quiet,
    };
  }

  private print(stream: NodeJS.WritableStream, lines: Lines): void {
    stream.write((typeof lines === 'string' ? [lines] : lines).map((l) => `${inertLine(l)}\n`).join(''));
  }
}
