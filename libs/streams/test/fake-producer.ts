import type { EncodedMessage, EventProducer } from '@creditstream/kafka';

/** A producer that records what it sent (topic, key, explicit partition, value), and can be held (a slow broker) until released. */
export class FakeProducer {
  sent: { topic: string; key: string; partition?: number; value: string }[] = [];
  /** Produce requests made (sendRaw and sendRawBatch calls). */
  requests = 0;
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.gate = null;
    this.open();
  }
  asProducer(): EventProducer {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async () => undefined,
      sendBatch: async () => undefined,
      sendRaw: (topic, messages) => this.record([{ topic, messages }]),
      sendRawBatch: (batches) => this.record(batches),
    };
  }
  private async record(batches: readonly { topic: string; messages: readonly EncodedMessage[] }[]): Promise<void> {
    if (this.gate) await this.gate;
    this.requests += 1;
    for (const { topic, messages } of batches) {
      for (const m of messages) this.sent.push({ topic, key: String(m.key), ...(m.partition !== undefined ? { partition: m.partition } : {}), value: m.value.toString() });
    }
  }
}
