import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { deserializeError, TrainingWorkerError } from '../errors';
import type { TrainWorkerMessage } from './train-worker';
import { compileTrainOptions, type TrainOptions, type TrainResult } from './train-options';

/**
 * Trains a LightGBM model with the native library in a worker thread, so the calling event loop stays
 * responsive for the whole training. Options are validated in the caller's thread first.
 *
 * @returns the model text (truncated to the best iteration when early stopping), the best iteration and the
 *   validation metric history
 * @throws LightGbmOptionsError for invalid options (naming the option)
 * @throws LightGbmNativeError carrying LightGBM's own message when LightGBM refuses the data or parameters
 * @throws LightGbmLibraryError when lib_lightgbm.so cannot be loaded
 * @throws TrainingWorkerError when the worker dies without a result
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const job = compileTrainOptions(options);
  // Copies this package made can be moved to the worker; caller-owned arrays are cloned by postMessage.
  const transferList = [job.train, job.validation]
    .filter((d) => d !== undefined)
    .flatMap((d) => [d.owned ? d.data.buffer : undefined, d.labels.buffer, d.weights?.buffer])
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  const worker = new Worker(path.join(__dirname, 'train-worker.js'), { workerData: job, transferList });
  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (message: TrainWorkerMessage) => {
      settled = true;
      if (message.ok) resolve(message.result);
      else reject(deserializeError(message.error));
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new TrainingWorkerError(err.message, false));
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new TrainingWorkerError(`worker exited with code ${code} before reporting a result`, true));
    });
  });
}
