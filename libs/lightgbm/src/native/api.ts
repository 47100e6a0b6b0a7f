import * as fs from 'node:fs';
import { LightGbmLibraryError, LightGbmNativeError } from '../errors';
import { resolveLibraryPath } from './library-path';

// koffi is an ES module package with a CommonJS build; take its types from the ESM declaration and load the
// CommonJS build, since this package compiles to CommonJS.
type Koffi = typeof import('koffi', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi = require('koffi') as Koffi;

/** An opaque LightGBM handle (DatasetHandle, BoosterHandle, FastConfigHandle): a native pointer. */
export type NativeHandle = bigint;

/** C_API_DTYPE_* from LightGBM's c_api.h. */
const C_API_DTYPE_FLOAT32 = 0;
const C_API_DTYPE_FLOAT64 = 1;

/** C_API_PREDICT_* from LightGBM's c_api.h. */
export const PredictType = {
  normal: 0,
  rawScore: 1,
  leafIndex: 2,
  contrib: 3,
} as const;

/** C_API_FEATURE_IMPORTANCE_* from LightGBM's c_api.h. */
export const ImportanceType = {
  split: 0,
  gain: 1,
} as const;

/**
 * Typed wrappers over the LightGBM C API functions this package needs. Every wrapper throws
 * {@link LightGbmNativeError} with LightGBM's own LGBM_GetLastError message when the call returns non-zero.
 * All calls are synchronous and block the calling thread; training goes through a worker (see train.ts).
 */
export interface LightGbmApi {
  readonly libraryPath: string;
  datasetCreateFromMat(data: Float64Array, nrow: number, ncol: number, params: string, reference: NativeHandle | null): NativeHandle;
  datasetSetFloatField(dataset: NativeHandle, field: 'label' | 'weight', values: Float32Array): void;
  datasetSetFeatureNames(dataset: NativeHandle, names: readonly string[]): void;
  datasetFree(dataset: NativeHandle): void;
  boosterCreate(train: NativeHandle, params: string): NativeHandle;
  boosterAddValidData(booster: NativeHandle, dataset: NativeHandle): void;
  /** Returns true when LightGBM reports it cannot make further progress (no more splits possible). */
  boosterUpdateOneIter(booster: NativeHandle): boolean;
  boosterGetEvalCounts(booster: NativeHandle): number;
  boosterGetEvalNames(booster: NativeHandle): string[];
  /** Writes the current metric values for data set `dataIndex` (0 = training, 1.. = validation) into `out`. */
  boosterGetEval(booster: NativeHandle, dataIndex: number, out: Float64Array): number;
  boosterSaveModelToString(booster: NativeHandle, startIteration: number, numIteration: number, importanceType: number): string;
  boosterLoadModelFromString(modelText: string): { handle: NativeHandle; numIterations: number };
  boosterGetNumClasses(booster: NativeHandle): number;
  boosterGetNumFeature(booster: NativeHandle): number;
  boosterGetCurrentIteration(booster: NativeHandle): number;
  boosterCalcNumPredict(booster: NativeHandle, nrow: number, predictType: number, startIteration: number, numIteration: number): number;
  boosterPredictForMat(
    booster: NativeHandle,
    data: Float64Array,
    nrow: number,
    ncol: number,
    predictType: number,
    startIteration: number,
    numIteration: number,
    params: string,
    out: Float64Array,
  ): number;
  boosterFeatureImportance(booster: NativeHandle, numIteration: number, importanceType: number, out: Float64Array): void;
  boosterFree(booster: NativeHandle): void;
  fastConfigInit(booster: NativeHandle, predictType: number, ncol: number, params: string): NativeHandle;
  /** Single-row prediction through a FastConfig; returns the number of values written. */
  fastPredictRow(fastConfig: NativeHandle, row: Float64Array, out: Float64Array): number;
  fastConfigFree(fastConfig: NativeHandle): void;
}

type KoffiFn = ReturnType<ReturnType<typeof koffi.load>['func']>;

let loaded: LightGbmApi | undefined;

/**
 * Loads lib_lightgbm.so (once per thread) and returns the bound API.
 * @param libraryPath defaults to {@link resolveLibraryPath}() (`LIGHTGBM_LIB`, else the postinstall build cache).
 */
export function loadLightGbm(libraryPath: string = resolveLibraryPath()): LightGbmApi {
  if (loaded) {
    if (loaded.libraryPath !== libraryPath) {
      throw new LightGbmLibraryError(libraryPath, `${loaded.libraryPath} is already loaded in this thread`);
    }
    return loaded;
  }
  if (!fs.existsSync(libraryPath)) throw new LightGbmLibraryError(libraryPath, 'file does not exist');
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(libraryPath);
  } catch (err) {
    throw new LightGbmLibraryError(libraryPath, err instanceof Error ? err.message : String(err));
  }
  loaded = bind(lib, libraryPath);
  return loaded;
}

function bind(lib: ReturnType<typeof koffi.load>, libraryPath: string): LightGbmApi {
  const getLastError = lib.func('const char *LGBM_GetLastError()');
  const fn = (prototype: string): KoffiFn => lib.func(prototype);

  /** Wraps a C API function so that a non-zero return throws with LightGBM's message. */
  const checked = (name: string, prototype: string): ((...args: unknown[]) => void) => {
    const f = fn(prototype);
    return (...args: unknown[]): void => {
      const rc = f(...args) as number;
      if (rc !== 0) throw new LightGbmNativeError(name, String(getLastError() ?? 'no message from LGBM_GetLastError'));
    };
  };

  const createFromMat = checked(
    'LGBM_DatasetCreateFromMat',
    'int LGBM_DatasetCreateFromMat(const void *data, int data_type, int32_t nrow, int32_t ncol, int is_row_major, ' +
      'const char *parameters, void *reference, _Out_ void **out)',
  );
  const setField = checked(
    'LGBM_DatasetSetField',
    'int LGBM_DatasetSetField(void *handle, const char *field_name, const void *field_data, int num_element, int type)',
  );
  const setFeatureNames = checked(
    'LGBM_DatasetSetFeatureNames',
    'int LGBM_DatasetSetFeatureNames(void *handle, const char **feature_names, int num_feature_names)',
  );
  const datasetFree = checked('LGBM_DatasetFree', 'int LGBM_DatasetFree(void *handle)');
  const boosterCreate = checked(
    'LGBM_BoosterCreate',
    'int LGBM_BoosterCreate(void *train_data, const char *parameters, _Out_ void **out)',
  );
  const addValidData = checked('LGBM_BoosterAddValidData', 'int LGBM_BoosterAddValidData(void *handle, void *valid_data)');
  const updateOneIter = checked('LGBM_BoosterUpdateOneIter', 'int LGBM_BoosterUpdateOneIter(void *handle, int *is_finished)');
  const getEvalCounts = checked('LGBM_BoosterGetEvalCounts', 'int LGBM_BoosterGetEvalCounts(void *handle, int *out_len)');
  const getEvalNames = checked(
    'LGBM_BoosterGetEvalNames',
    'int LGBM_BoosterGetEvalNames(void *handle, int len, int *out_len, size_t buffer_len, ' +
      'uint64_t *out_buffer_len, char **out_strs)',
  );
  const getEval = checked(
    'LGBM_BoosterGetEval',
    'int LGBM_BoosterGetEval(void *handle, int data_idx, int *out_len, double *out_results)',
  );
  const saveModelToString = checked(
    'LGBM_BoosterSaveModelToString',
    'int LGBM_BoosterSaveModelToString(void *handle, int start_iteration, int num_iteration, ' +
      'int feature_importance_type, int64_t buffer_len, int64_t *out_len, void *out_str)',
  );
  const loadModelFromString = checked(
    'LGBM_BoosterLoadModelFromString',
    'int LGBM_BoosterLoadModelFromString(const char *model_str, int *out_num_iterations, _Out_ void **out)',
  );
  const getNumClasses = checked('LGBM_BoosterGetNumClasses', 'int LGBM_BoosterGetNumClasses(void *handle, int *out_len)');
  const getNumFeature = checked('LGBM_BoosterGetNumFeature', 'int LGBM_BoosterGetNumFeature(void *handle, int *out_len)');
  const getCurrentIteration = checked(
    'LGBM_BoosterGetCurrentIteration',
    'int LGBM_BoosterGetCurrentIteration(void *handle, int *out_iteration)',
  );
  const calcNumPredict = checked(
    'LGBM_BoosterCalcNumPredict',
    'int LGBM_BoosterCalcNumPredict(void *handle, int num_row, int predict_type, int start_iteration, ' +
      'int num_iteration, int64_t *out_len)',
  );
  const predictForMat = checked(
    'LGBM_BoosterPredictForMat',
    'int LGBM_BoosterPredictForMat(void *handle, const void *data, int data_type, int32_t nrow, int32_t ncol, ' +
      'int is_row_major, int predict_type, int start_iteration, int num_iteration, const char *parameter, ' +
      'int64_t *out_len, double *out_result)',
  );
  const featureImportance = checked(
    'LGBM_BoosterFeatureImportance',
    'int LGBM_BoosterFeatureImportance(void *handle, int num_iteration, int importance_type, double *out_results)',
  );
  const boosterFree = checked('LGBM_BoosterFree', 'int LGBM_BoosterFree(void *handle)');
  const fastInit = checked(
    'LGBM_BoosterPredictForMatSingleRowFastInit',
    'int LGBM_BoosterPredictForMatSingleRowFastInit(void *handle, int predict_type, int start_iteration, ' +
      'int num_iteration, int data_type, int32_t ncol, const char *parameter, _Out_ void **out_fastConfig)',
  );
  const fastPredict = checked(
    'LGBM_BoosterPredictForMatSingleRowFast',
    'int LGBM_BoosterPredictForMatSingleRowFast(void *fastConfig_handle, const void *data, int64_t *out_len, ' +
      'double *out_result)',
  );
  const fastConfigFree = checked('LGBM_FastConfigFree', 'int LGBM_FastConfigFree(void *fastConfig)');

  // Scratch out-parameters, reused: calls are synchronous and JS is single-threaded per isolate.
  const int1 = new Int32Array(1);
  const int64 = new BigInt64Array(1);
  const handleOut = (call: (out: [NativeHandle | null]) => void): NativeHandle => {
    const out: [NativeHandle | null] = [null];
    call(out);
    const handle = out[0];
    if (typeof handle !== 'bigint' || handle === 0n) {
      throw new LightGbmNativeError('handle output', `LightGBM returned success but no handle (${String(handle)})`);
    }
    return handle;
  };

  return {
    libraryPath,
    datasetCreateFromMat: (data, nrow, ncol, params, reference) =>
      handleOut((out) => createFromMat(data, C_API_DTYPE_FLOAT64, nrow, ncol, 1, params, reference, out)),
    datasetSetFloatField: (dataset, field, values) => setField(dataset, field, values, values.length, C_API_DTYPE_FLOAT32),
    datasetSetFeatureNames: (dataset, names) => setFeatureNames(dataset, [...names], names.length),
    datasetFree: (dataset) => datasetFree(dataset),
    boosterCreate: (train, params) => handleOut((out) => boosterCreate(train, params, out)),
    boosterAddValidData: (booster, dataset) => addValidData(booster, dataset),
    boosterUpdateOneIter: (booster) => {
      updateOneIter(booster, int1);
      return int1[0] === 1;
    },
    boosterGetEvalCounts: (booster) => {
      getEvalCounts(booster, int1);
      return int1[0] ?? 0;
    },
    boosterGetEvalNames: (booster) => {
      getEvalCounts(booster, int1);
      const count = int1[0] ?? 0;
      let bufferLen = 128;
      for (;;) {
        const buffers = Array.from({ length: count }, () => Buffer.alloc(bufferLen));
        const needed = new BigUint64Array(1);
        getEvalNames(booster, count, int1, bufferLen, needed, buffers);
        if (Number(needed[0]) <= bufferLen) {
          return buffers.map((b) => b.toString('utf8', 0, b.indexOf(0)));
        }
        bufferLen = Number(needed[0]);
      }
    },
    boosterGetEval: (booster, dataIndex, out) => {
      getEval(booster, dataIndex, int1, out);
      return int1[0] ?? 0;
    },
    boosterSaveModelToString: (booster, startIteration, numIteration, importanceType) => {
      const len = new BigInt64Array(1);
      saveModelToString(booster, startIteration, numIteration, importanceType, 0n, len, null);
      const buffer = Buffer.alloc(Number(len[0]));
      saveModelToString(booster, startIteration, numIteration, importanceType, BigInt(buffer.length), len, buffer);
      // out_len counts the terminating NUL.
      return buffer.toString('utf8', 0, Number(len[0]) - 1);
    },
    boosterLoadModelFromString: (modelText) => {
      const iterations = new Int32Array(1);
      const handle = handleOut((out) => loadModelFromString(modelText, iterations, out));
      return { handle, numIterations: iterations[0] ?? 0 };
    },
    boosterGetNumClasses: (booster) => {
      getNumClasses(booster, int1);
      return int1[0] ?? 0;
    },
    boosterGetNumFeature: (booster) => {
      getNumFeature(booster, int1);
      return int1[0] ?? 0;
    },
    boosterGetCurrentIteration: (booster) => {
      getCurrentIteration(booster, int1);
      return int1[0] ?? 0;
    },
    boosterCalcNumPredict: (booster, nrow, predictType, startIteration, numIteration) => {
      calcNumPredict(booster, nrow, predictType, startIteration, numIteration, int64);
      return Number(int64[0]);
    },
    boosterPredictForMat: (booster, data, nrow, ncol, predictType, startIteration, numIteration, params, out) => {
      predictForMat(booster, data, C_API_DTYPE_FLOAT64, nrow, ncol, 1, predictType, startIteration, numIteration, params, int64, out);
      return Number(int64[0]);
    },
    boosterFeatureImportance: (booster, numIteration, importanceType, out) =>
      featureImportance(booster, numIteration, importanceType, out),
    boosterFree: (booster) => boosterFree(booster),
    fastConfigInit: (booster, predictType, ncol, params) =>
      handleOut((out) => fastInit(booster, predictType, 0, -1, C_API_DTYPE_FLOAT64, ncol, params, out)),
    fastPredictRow: (fastConfig, row, out) => {
      fastPredict(fastConfig, row, int64, out);
      return Number(int64[0]);
    },
    fastConfigFree: (fastConfig) => fastConfigFree(fastConfig),
  };
}
