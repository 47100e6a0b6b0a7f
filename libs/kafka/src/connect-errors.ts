import { BrokerUnavailableError, KafkaAuthenticationError, KafkaTlsError } from './errors';
import type { KafkaSecurity } from './security';

/** The innermost error of a kafkajs failure (its retrier wraps the last attempt's error in `cause`). */
function innermost(err: unknown): { name: string; message: string } {
  let e = err as { name?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 5 && e?.cause !== undefined && typeof e.cause === 'object' && e.cause !== null; depth++) e = e.cause as typeof e;
  return { name: String(e?.name ?? ''), message: String(e?.message ?? err) };
}

const TLS_TROUBLE = /certificate|self[- ]signed|unable to verify|ERR_TLS|ERR_SSL|SSL routines|wrong version number|handshake/i;

/**
 * Turns a kafkajs connection failure into an error that says what to check, naming the security settings used
 * (never the password): a refused SASL login, a failed TLS handshake, or a broker that closed the connection of a
 * client without TLS/SASL (what a SASL_SSL listener does to a PLAINTEXT client: kafkajs only says "Closed
 * connection"). Anything else is returned as it is.
 */
export function explainConnectFailure(err: unknown, brokers: readonly string[], security: KafkaSecurity): unknown {
  const inner = innermost(err);
  const where = `Kafka at ${brokers.join(',')}`;
  if (inner.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed/i.test(inner.message)) {
    const user = security.sasl === undefined ? 'without SASL' : `user ${JSON.stringify(security.sasl.mechanism === 'oauthbearer' || security.sasl.mechanism === 'aws' ? '' : security.sasl.username)} (${security.sasl.mechanism})`;
    return new KafkaAuthenticationError(`${where} refused the SASL login of ${user}: ${inner.message}; check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE (or KAFKA_SASL_PASSWORD)`, err);
  }
  if (security.ssl !== undefined && TLS_TROUBLE.test(inner.message)) {
    return new KafkaTlsError(`TLS to ${where} failed (${security.description}): ${inner.message}; check KAFKA_SSL_CA_FILE (the CA that signed the brokers' certificates) and that the brokers listen with TLS on that port`, err);
  }
  if (/Closed connection|ECONNRESET|socket hang up|disconnected before/i.test(inner.message) && security.sasl === undefined) {
    return new BrokerUnavailableError(
      `${where} closed the connection of a client connecting with ${security.description}: a broker whose listener requires TLS or SASL (e.g. SASL_SSL) does that to a client without them (set KAFKA_SECURITY_PROTOCOL and the KAFKA_SASL_* / KAFKA_SSL_CA_FILE variables), or it was restarting: ${inner.message}`,
      err,
    );
  }
  return err;
}
