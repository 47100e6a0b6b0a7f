import { LightGbmOptionsError } from '../errors';

/** A LightGBM parameter value; booleans are written as true/false. */
export type ParamValue = string | number | boolean;

/** LightGBM parameters by their LightGBM names (docs: Parameters.rst), e.g. `{ objective: 'multiclass', num_class: 3 }`. */
export type LightGbmParams = Readonly<Record<string, ParamValue>>;

/**
 * Formats parameters as LightGBM's `key=value key=value` string, validating each entry.
 * @param path the option path used in error messages, e.g. `params`
 */
export function formatParams(params: LightGbmParams, path: string): string {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new LightGbmOptionsError(path, 'must be an object of LightGBM parameters');
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new LightGbmOptionsError(`${path}.${key}`, 'is not a LightGBM parameter name');
    parts.push(`${key}=${formatValue(value, `${path}.${key}`)}`);
  }
  return parts.join(' ');
}

function formatValue(value: ParamValue, path: string): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LightGbmOptionsError(path, `${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'string') {
    // The C API splits the parameter string on whitespace and '='.
    if (value === '' || /[\s=]/.test(value)) throw new LightGbmOptionsError(path, `${JSON.stringify(value)} must be non-empty without spaces or '='`);
    return value;
  }
  throw new LightGbmOptionsError(path, `${String(value)} is not a string, number or boolean`);
}
