import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** How a store's values become bytes in a checkpoint. */
export interface Serde<V> {
  serialize(value: V): Buffer;
  deserialize(bytes: Buffer): V;
}

/**
 * JSON, compressed with raw deflate at its fastest level: a customer's state is repetitive JSON (field names,
 * dates), so it shrinks about 5–10×, and the checkpoint store's cost is in the bytes.
 */
export function compressedJsonSerde<V>(): Serde<V> {
  return {
    serialize: (value) => deflateRawSync(Buffer.from(JSON.stringify(value)), { level: constants.Z_BEST_SPEED }),
    deserialize: (bytes) => JSON.parse(inflateRawSync(bytes).toString('utf8')) as V,
  };
}

/** The slot of a key: FNV-1a of its UTF-16 code units, modulo the slot count. Stable across processes and versions. */
export function slotOf(key: string, slots: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % slots;
}
