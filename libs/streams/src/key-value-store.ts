/** Read-only view of a task's store: what another component of the same service may be given (never another service). */
export interface ReadOnlyKeyValueStore<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  readonly size: number;
  keys(): IterableIterator<string>;
  entries(): IterableIterator<[string, V]>;
  values(): IterableIterator<V>;
}

/**
 * A task's state: values by key, in memory, with the keys changed since the last checkpoint. Values are plain JSON
 * objects (the checkpoint serialises them); a processor mutates a value in place and calls {@link put} (or
 * {@link touch}) so the change is checkpointed.
 */
export class KeyValueStore<V> implements ReadOnlyKeyValueStore<V> {
  private readonly map = new Map<string, V>();
  private dirty = new Set<string>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** Keys changed since the last {@link takeDirty}. */
  get dirtyCount(): number {
    return this.dirty.size;
  }

  put(key: string, value: V): void {
    this.map.set(key, value);
    this.dirty.add(key);
  }

  /** Marks a value changed in place. */
  touch(key: string): void {
    if (this.map.has(key)) this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.dirty.add(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** The keys changed since the last call (deleted ones included), and forgets them. */
  takeDirty(): Set<string> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  /** Puts back keys whose checkpoint failed, so the next checkpoint writes them. */
  restoreDirty(keys: Iterable<string>): void {
    for (const k of keys) this.dirty.add(k);
  }

  /** Replaces the whole content (a restore), nothing dirty. */
  load(entries: Iterable<[string, V]>): void {
    this.map.clear();
    this.dirty.clear();
    for (const [k, v] of entries) this.map.set(k, v);
  }
}
