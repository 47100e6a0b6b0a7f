import { FeatureCountError, LightGbmOptionsError } from './errors';

/**
 * A feature matrix: an array of rows, or one row-major Float64Array of `nrow · ncol` values.
 * NaN marks a missing value.
 */
export type FeatureMatrix = Float64Array | readonly (ArrayLike<number>)[];

/**
 * Returns the matrix as one row-major Float64Array with its row count. A Float64Array is returned as is
 * (not copied); arrays of rows are copied.
 * @param path names the argument in error messages
 */
export function toRowMajor(matrix: FeatureMatrix, ncol: number, path: string): { data: Float64Array; nrow: number } {
  if (matrix instanceof Float64Array) {
    if (ncol === 0 || matrix.length % ncol !== 0) {
      throw new LightGbmOptionsError(path, `a Float64Array of ${matrix.length} values is not a whole number of rows of ${ncol} features`);
    }
    return { data: matrix, nrow: matrix.length / ncol };
  }
  if (!Array.isArray(matrix)) throw new LightGbmOptionsError(path, 'must be a Float64Array or an array of rows');
  const nrow = matrix.length;
  const data = new Float64Array(nrow * ncol);
  for (let r = 0; r < nrow; r++) {
    const row = matrix[r] as ArrayLike<number>;
    if (row.length !== ncol) throw new FeatureCountError(ncol, row.length, `${path}[${r}]`);
    for (let c = 0; c < ncol; c++) {
      const v = row[c];
      if (typeof v !== 'number') throw new LightGbmOptionsError(`${path}[${r}][${c}]`, `${String(v)} is not a number (use NaN for missing)`);
      data[r * ncol + c] = v;
    }
  }
  return { data, nrow };
}
