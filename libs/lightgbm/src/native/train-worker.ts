// Entry point of the training worker thread (see train.ts): runs one job and posts its result or error.
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors';
import type { TrainJob } from './train-options';
import { runTrainingJob } from './training-loop';

/** Message from the worker to the caller's thread. */
export type TrainWorkerMessage =
  | { readonly ok: true; readonly result: ReturnType<typeof runTrainingJob> }
  | { readonly ok: false; readonly error: ReturnType<typeof serializeError> };

if (parentPort) {
  let message: TrainWorkerMessage;
  try {
    message = { ok: true, result: runTrainingJob(workerData as TrainJob) };
  } catch (err) {
    message = { ok: false, error: serializeError(err) };
  }
  parentPort.postMessage(message);
}
