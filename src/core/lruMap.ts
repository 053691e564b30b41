// A Map bounded in entries that forgets the least recently used first: for caches whose useful size
// is what one refresh reads, so a long-running process keeps that much and not everything it saw.

export class LruMap<K, V> {
  /** Least recently used first. */
  private readonly map = new Map<K, V>();

  private max = 1;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get capacity(): number {
    return this.max;
  }

  /** A new bound (at least 1); the least recently used go when it shrinks. */
  set capacity(max: number) {
    this.max = Math.max(1, Math.floor(max));
    this.trim();
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** The value, its place kept. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.trim();
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Least recently used first. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  private trim(): void {
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
