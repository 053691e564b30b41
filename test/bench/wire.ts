// Counts what reached the registries: HTTP requests from Distribution's access log (ours and the
// peers' alike, whoever sent them) and TCP connections from the shaping proxies.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const ACCESS_LINE = /"(?:GET|HEAD|PUT|POST|PATCH|DELETE) \/v2\//g;

export class AccessLog {
  private offset = 0;
  constructor(private readonly file: string) {
    this.offset = size(file);
  }

  /** Requests logged since the last call. */
  take(): number {
    const end = size(this.file);
    if (end <= this.offset) return 0;
    const buffer = Buffer.alloc(end - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = end;
    return buffer.toString('utf8').match(ACCESS_LINE)?.length ?? 0;
  }
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
