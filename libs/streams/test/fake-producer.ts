import type { EventProducer } from '@creditstream/kafka';

/** A producer that records what it sent (topic, key, explicit partition, value), and can be held (a slow broker) until released. */
export class FakeProducer {
  sent: { topic: string; key: string; partition?: number; value: string }[] = [];
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
      sendRaw: async (topic, messages) => {
        if (this.gate) await this.gate;
        for (const m of messages) this.sent.push({ topic, key: String(m.key), ...(m.partition !== undefined ? { partition: m.partition } : {}), value: m.value.toString() });
      },
    };
  }
}
