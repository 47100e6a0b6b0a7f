import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, REDACTED } from '../src';

function capture(customerData: boolean | undefined, env?: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const saved = process.env.LOG_CUSTOMER_DATA;
  if (env === undefined) delete process.env.LOG_CUSTOMER_DATA;
  else process.env.LOG_CUSTOMER_DATA = env;
  try {
    return { logger: createLogger({ name: 'test', level: 'info', ...(customerData === undefined ? {} : { customerData }), destination }), lines };
  } finally {
    if (saved === undefined) delete process.env.LOG_CUSTOMER_DATA;
    else process.env.LOG_CUSTOMER_DATA = saved;
  }
}

const deadLetter = { topic: 'creditstream.orders.events.v1', partition: 3, offset: 17, code: 'INVALID_AMOUNT', reason: 'OrderPlaced.amountMinor must be a positive integer of minor units, got -5' };
const decision = { customerId: 'C000042', orderId: 'SO-42-1', invoiceId: 'INV-42-7', paymentId: 'PAY-42-3', amountMinor: 123_456, key: 'C000042', hold: { orderId: 'SO-42-1', amountMinor: 5, customerId: 'C000042' } };

describe('logging: customer data redacted unless LOG_CUSTOMER_DATA=true', () => {
  it('redacts ids, keys, amounts and refusal reasons (top level and one level down), keeping the reason code', () => {
    const { logger, lines } = capture(undefined);
    logger.warn(deadLetter, 'message dead-lettered');
    logger.info(decision, 'decided');
    const [dl, d] = lines;
    assert.equal(dl?.code, 'INVALID_AMOUNT');
    assert.equal(dl?.reason, REDACTED);
    assert.equal(dl?.topic, deadLetter.topic);
    for (const f of ['customerId', 'orderId', 'invoiceId', 'paymentId', 'amountMinor', 'key']) assert.equal(d?.[f], REDACTED, f);
    assert.deepEqual(d?.hold, { orderId: REDACTED, amountMinor: REDACTED, customerId: REDACTED });
    const text = JSON.stringify(lines);
    for (const secret of ['C000042', 'SO-42-1', 'INV-42-7', 'PAY-42-3', '123456', 'got -5']) assert.ok(!text.includes(secret), `${secret} is not logged`);
  });

  it('logs them in clear with LOG_CUSTOMER_DATA=true (or customerData: true)', () => {
    for (const { logger, lines } of [capture(undefined, 'true'), capture(true, 'false')]) {
      logger.warn(deadLetter, 'message dead-lettered');
      logger.info(decision, 'decided');
      assert.equal(lines[0]?.reason, deadLetter.reason);
      assert.equal(lines[1]?.customerId, 'C000042');
      assert.equal(lines[1]?.amountMinor, 123_456);
      assert.deepEqual(lines[1]?.hold, decision.hold);
    }
  });
});
