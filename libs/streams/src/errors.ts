import { CreditstreamError } from '@creditstream/errors';

/** Options of the stream runtime are invalid; names the path and the value. */
export class StreamsOptionsError extends CreditstreamError {
  constructor(path: string, message: string) {
    super('STREAMS_OPTIONS_INVALID', `streams option ${path}: ${message}`);
  }
}

/**
 * Another instance took this task over (its restore raised the task's epoch): this instance's checkpoint was refused
 * and the task must be given up. Not retriable for this task.
 */
export class TaskFencedError extends CreditstreamError {
  constructor(partition: number, epoch: number) {
    super('TASK_FENCED', `task of partition ${partition} was taken over by another instance (this instance held epoch ${epoch}); its checkpoint was refused`);
  }
}

/** A checkpoint names a slot document that is not in the store: the checkpoint store was changed by hand or corrupted. */
export class CheckpointCorruptError extends CreditstreamError {
  constructor(partition: number, missing: string[]) {
    super('CHECKPOINT_CORRUPT', `checkpoint of partition ${partition} names ${missing.length} slot document(s) that are missing: ${missing.slice(0, 5).join(', ')}`);
  }
}

/** The checkpoint store could not be read or written; the task retries. */
export class CheckpointUnavailableError extends CreditstreamError {
  constructor(what: string, cause: unknown) {
    super('CHECKPOINT_UNAVAILABLE', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: true, cause });
  }
}

/**
 * One key's value and read-model view alone pass `maxSlotBytes`: no slot layout can write it in a document MongoDB
 * accepts. Checkpoints of the task fail until the processor keeps that key's state smaller.
 */
export class StateValueTooLargeError extends CreditstreamError {
  constructor(partition: number, key: string, maxSlotBytes: number) {
    super('STATE_VALUE_TOO_LARGE', `partition ${partition}: the state of key ${JSON.stringify(key)} with its view passes maxSlotBytes (${maxSlotBytes} bytes) on its own; no slot layout can checkpoint it`);
  }
}
