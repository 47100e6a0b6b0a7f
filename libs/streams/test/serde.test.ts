import assert from 'node:assert/strict';
import { compressedJsonSerde, slotOf } from '../src/serde';

describe('compressed JSON serde', () => {
  it('round-trips a value and measures its JSON size', () => {
    const serde = compressedJsonSerde<{ id: string; amounts: number[] }>();
    const value = { id: 'C-1', amounts: Array.from({ length: 500 }, (_, i) => i * 100) };
    const { bytes, size } = serde.serializeSized?.(value) ?? { bytes: Buffer.alloc(0), size: 0 };
    assert.equal(size, JSON.stringify(value).length);
    assert.ok(bytes.length < size / 2, `${bytes.length} compressed bytes for ${size} of JSON`);
    assert.deepEqual(serde.deserialize(bytes), value);
    assert.deepEqual(serde.deserializeSized?.(bytes), { value, size });
  });

  it('a serialised value owns exactly its bytes (zlib returns a view of a 16 KiB chunk, which a kept value would hold)', () => {
    const serde = compressedJsonSerde<{ s: string }>();
    const bytes = serde.serialize({ s: 'x'.repeat(3000) });
    assert.ok(bytes.length < 100);
    assert.equal(bytes.buffer.byteLength, bytes.length);
  });

  it('slots: FNV-1a of the key modulo the slot count, spread over every slot', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c (the published test vector).
    assert.equal(slotOf('a', 2 ** 31), 0xe40c292c % 2 ** 31);
    const used = new Set(Array.from({ length: 1000 }, (_, i) => slotOf(`C${String(i).padStart(6, '0')}`, 16)));
    assert.equal(used.size, 16);
  });
});
