/**
 * A small least-recently-used map (a `Map` keeps insertion order: a hit moves the entry to the
 * end, an insert past `max` drops the first). Used to skip repeated CPU work on the hot path.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(private readonly max: number) {}

  /** The value, marking it recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Stores a value, evicting the least recently used one when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
}
