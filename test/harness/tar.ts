// A minimal, deterministic ustar writer: regular files and their parent directories, enough for a
// real image layer that the engine extracts on pull.

export interface TarOptions {
  /** Modification time of every entry, seconds since the epoch (default 0). */
  mtime?: number;
  /** Paths written executable (0755) rather than 0644: programs a container runs. */
  executable?: readonly string[];
}

const BLOCK = 512;

/**
 * Builds an uncompressed tar of `files` (path -> content; a path ending in '/' is a directory).
 * Parent directories are added automatically; entries are sorted so the bytes are reproducible.
 */
export function makeTar(files: Record<string, string | Buffer>, opts: TarOptions = {}): Buffer {
  const mtime = Math.floor(opts.mtime ?? 0);
  const executable = new Set((opts.executable ?? []).map(normalize));
  const entries = new Map<string, Buffer | undefined>(); // undefined = directory
  for (const [rawPath, content] of Object.entries(files)) {
    const isDir = rawPath.endsWith('/');
    const path = normalize(rawPath);
    if (!path) continue;
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) entries.set(parts.slice(0, i).join('/') + '/', undefined);
    if (isDir) entries.set(path + '/', undefined);
    else entries.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
  }
  const blocks: Buffer[] = [];
  for (const name of [...entries.keys()].sort()) {
    const content = entries.get(name);
    blocks.push(header(name, content === undefined ? 0 : content.length, content === undefined, mtime, executable.has(name)));
    if (content !== undefined && content.length) {
      blocks.push(content);
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

function normalize(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`tar path may not contain '..': ${path}`);
  return parts.join('/');
}

function header(name: string, size: number, isDir: boolean, mtime: number, isExecutable = false): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar: split at a '/' so that name <= 100 and prefix <= 155 bytes.
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = cut > 0 ? name.slice(0, cut) : '';
    short = cut > 0 ? name.slice(cut + 1) : name;
    if (Buffer.byteLength(short) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar path too long: ${name}`);
  }
  h.write(short, 0, 100, 'utf8');
  octal(h, 100, 8, isDir || isExecutable ? 0o755 : 0o644);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(' ', 148, 156); // checksum counts as spaces while computing it
  h.write(isDir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  octal(h, 329, 8, 0);
  octal(h, 337, 8, 0);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, offset: number, length: number, value: number): void {
  h.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}
