/**
 * A small cache of at most `max` entries that keeps the recently used ones: two generations of
 * `max / 2` entries each. Entries are added to the current generation; when it is full it becomes
 * the previous one (the one before is dropped), and a hit in the previous generation moves the
 * entry back into the current one. A hit in the current generation is a single `Map.get`, with
 * no write: a strict LRU (delete and re-insert on every hit) cost a `Map` rewrite per request on
 * the hot path, and the garbage of its rehashing (docs/benchmarks.md). Used to skip repeated CPU
 * work (HMACs, decryption) on the hot path.
 */
export class Lru<K, V> {
  #current = new Map<K, V>();
  #previous = new Map<K, V>();
  readonly #generation: number;

  constructor(max: number) {
    this.#generation = Math.max(1, Math.floor(max / 2));
  }

  /** The value, kept as recently used. */
  get(key: K): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined) return value;
    const older = this.#previous.get(key);
    if (older !== undefined) {
      this.#previous.delete(key);
      this.#add(key, older);
    }
    return older;
  }

  /** Stores a value (replacing any), dropping the least recently used ones when full. */
  set(key: K, value: V): void {
    this.#previous.delete(key);
    if (this.#current.has(key)) this.#current.set(key, value);
    else this.#add(key, value);
  }

  /** Drops one entry. */
  delete(key: K): void {
    this.#current.delete(key);
    this.#previous.delete(key);
  }

  /** Drops every entry. */
  clear(): void {
    this.#current.clear();
    this.#previous.clear();
  }

  /** Entries held (both generations). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  #add(key: K, value: V): void {
    if (this.#current.size >= this.#generation) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }
}
