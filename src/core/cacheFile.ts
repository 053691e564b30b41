// The on-disk caches (image details, blob locations): one JSON file each, replaced whole (write a
// temporary file, rename) so no reader sees half a write, and read with a size cap. A cache that
// cannot be used is never an error: its owner starts empty and says why.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type CacheFileRead =
  | { readonly kind: 'parsed'; readonly value: unknown }
  | { readonly kind: 'missing' }
  /** Unusable as it is: rewrite it at the next flush. */
  | { readonly kind: 'corrupt'; readonly reason: string }
  /** Could not be read (permissions, I/O): leave it alone. */
  | { readonly kind: 'unreadable'; readonly reason: string };

export async function readCacheFile(file: string, maxBytes: number): Promise<CacheFileRead> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > maxBytes) return { kind: 'corrupt', reason: `is ${info.size} bytes, over ${maxBytes}` };
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: `could not be read: ${(error as Error).message}` };
  }
  try {
    return { kind: 'parsed', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'corrupt', reason: 'is corrupt or of an unknown format' };
  }
}

/** Replaces the file with `value` as JSON; throws what the file system threw. */
export async function writeCacheFile(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(temporary, JSON.stringify(value));
  await rename(temporary, file);
}
