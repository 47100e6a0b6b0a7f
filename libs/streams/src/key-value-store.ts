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
 * Where the values that are not live come from: the task's compact copy of each key's checkpointed value (its
 * compressed bytes, kept for the checkpoint's slot writes anyway).
 */
export interface ColdTier<V> {
  has(key: string): boolean;
  /** The key's value as of its last checkpoint, and its size (bytes of its JSON), or undefined. */
  load(key: string): { value: V; size: number } | undefined;
}

/** Counters of the live tier, for the task's metrics. */
export interface LiveTierStats {
  liveKeys: number;
  liveBytes: number;
  loads: number;
  evictions: number;
}

interface Live<V> {
  value: V;
  /** Bytes of the value's JSON as last measured (a load or a checkpoint), 0 before the first. */
  size: number;
}

/**
 * A task's state: values by key, with the keys changed since the last checkpoint. Values are plain JSON objects
 * (the checkpoint serialises them); a processor mutates a value in place and calls {@link put} (or {@link touch})
 * so the change is checkpointed.
 *
 * Bounded by bytes: with a {@link ColdTier} and a budget, only the most recently used values are live objects;
 * the others are held in compact form (their checkpointed bytes) and come back on {@link get}. Only values that
 * are checkpointed (not dirty) are evicted, and only at the task's safe points ({@link evict}, between turns of
 * processing), so a processor always finds a value it changed in this turn. A value loaded back is its checkpointed
 * value: what the processor did to it in place without marking it changed must be re-derivable (the processor's
 * `loaded` hook, like `restored` after a restore). Without a budget everything stays live.
 */
export class KeyValueStore<V> implements ReadOnlyKeyValueStore<V> {
  private readonly live = new Map<string, Live<V>>();
  /** Every key of the state, live or not. */
  private readonly all = new Set<string>();
  private dirty = new Set<string>();
  private liveBytes = 0;
  private loads = 0;
  private evictions = 0;
  private cold: ColdTier<V> | null = null;
  private onLoad: ((key: string, value: V) => void) | null = null;
  private budget = Infinity;

  /**
   * Bounds the live values to `budgetBytes` (JSON bytes, measured at loads and checkpoints), the rest being read back
   * from `cold`; `onLoad` is called with every value read back (before the caller sees it).
   */
  bound(cold: ColdTier<V>, budgetBytes: number, onLoad: ((key: string, value: V) => void) | null = null): void {
    this.cold = cold;
    this.budget = budgetBytes;
    this.onLoad = onLoad;
  }

  /** The live tier's budget in bytes (Infinity: unbounded). */
  get budgetBytes(): number {
    return this.budget;
  }

  set budgetBytes(bytes: number) {
    this.budget = bytes;
  }

  get stats(): LiveTierStats {
    return { liveKeys: this.live.size, liveBytes: this.liveBytes, loads: this.loads, evictions: this.evictions };
  }

  get(key: string): V | undefined {
    const hit = this.live.get(key);
    if (hit !== undefined) {
      if (this.budget !== Infinity) {
        // Most recently used last: eviction takes from the front.
        this.live.delete(key);
        this.live.set(key, hit);
      }
      return hit.value;
    }
    const loaded = this.readCold(key);
    if (loaded === undefined) return undefined;
    this.live.set(key, loaded);
    this.liveBytes += loaded.size;
    return loaded.value;
  }

  has(key: string): boolean {
    return this.all.has(key);
  }

  get size(): number {
    return this.all.size;
  }

  /** Keys changed since the last {@link takeDirty}. */
  get dirtyCount(): number {
    return this.dirty.size;
  }

  put(key: string, value: V): void {
    const known = this.live.get(key);
    if (known !== undefined) known.value = value;
    else this.live.set(key, { value, size: 0 });
    this.all.add(key);
    this.dirty.add(key);
  }

  /** Marks a value changed in place. */
  touch(key: string): void {
    if (!this.all.has(key)) return;
    // A value not live was not changed in place since it was evicted: nothing to checkpoint, but the caller means
    // it, so it is loaded and kept live until checkpointed.
    if (!this.live.has(key)) this.get(key);
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (!this.all.delete(key)) return;
    const known = this.live.get(key);
    if (known !== undefined) {
      this.liveBytes -= known.size;
      this.live.delete(key);
    }
    this.dirty.add(key);
  }

  keys(): IterableIterator<string> {
    return this.all.values();
  }

  /**
   * Every entry. Values not live are read back for the visit without being kept live (a sweep over every key does
   * not flush the live tier): changes to them persist only through {@link put} or {@link touch}.
   */
  *entries(): IterableIterator<[string, V]> {
    for (const key of [...this.all]) {
      const value = this.live.get(key)?.value ?? this.readCold(key)?.value;
      if (value !== undefined) yield [key, value];
    }
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
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

  /** Records the JSON size of a live value (measured when the checkpoint serialised it). */
  measured(key: string, size: number): void {
    const known = this.live.get(key);
    if (known === undefined) return;
    this.liveBytes += size - known.size;
    known.size = size;
  }

  /**
   * Replaces the whole content (a restore), nothing dirty. Entries come with their JSON size (0 if unknown); with a budget, the
   * values beyond it are not kept live (they are in the cold tier), so a restore never holds more than the budget.
   */
  load(entries: Iterable<readonly [string, V, number?]>): void {
    this.live.clear();
    this.all.clear();
    this.dirty.clear();
    this.liveBytes = 0;
    for (const [k, v, measured] of entries) {
      const size = measured ?? 0;
      this.all.add(k);
      if (this.liveBytes + size > this.budget && this.cold?.has(k)) continue;
      this.live.set(k, { value: v, size });
      this.liveBytes += size;
    }
  }

  /**
   * Replaces the whole content with keys whose values are all in the cold tier (a restore that reads nothing back
   * yet), nothing dirty: each value is read back, and `onLoad` called, when first used.
   */
  loadCold(keys: Iterable<string>): void {
    if (this.cold === null) throw new RangeError('loadCold needs a cold tier (see bound)');
    this.live.clear();
    this.all.clear();
    this.dirty.clear();
    this.liveBytes = 0;
    for (const k of keys) this.all.add(k);
  }

  /**
   * Evicts the least recently used checkpointed values until the live ones fit the budget. The task calls it
   * between turns, never while a processor holds values.
   */
  evict(): void {
    if (this.liveBytes <= this.budget || this.cold === null) return;
    for (const [key, entry] of this.live) {
      if (this.liveBytes <= this.budget) break;
      if (this.dirty.has(key) || !this.cold.has(key)) continue;
      this.live.delete(key);
      this.liveBytes -= entry.size;
      this.evictions += 1;
    }
  }

  private readCold(key: string): Live<V> | undefined {
    if (this.cold === null || !this.all.has(key)) return undefined;
    const loaded = this.cold.load(key);
    if (loaded === undefined) return undefined;
    this.loads += 1;
    this.onLoad?.(key, loaded.value);
    return loaded;
  }
}
