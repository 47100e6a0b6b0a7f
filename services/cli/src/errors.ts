import { CreditstreamError } from '@creditstream/errors';

/** A command-line option or a simulator / importer option is invalid. The message names the option and the value. */
export class CliOptionError extends CreditstreamError {
  constructor(readonly option: string, message: string) {
    super('CLI_OPTION_INVALID', message);
  }
}

/** The input CSV cannot be imported at all (missing required columns, unreadable file). */
export class ImportFileError extends CreditstreamError {
  constructor(readonly file: string, message: string) {
    super('IMPORT_FILE_INVALID', message);
  }
}

/** `--strict` import found bad rows, so nothing was written. */
export class ImportRejectedError extends CreditstreamError {
  constructor(readonly badRows: number) {
    super('IMPORT_REJECTED', `${badRows} bad row${badRows === 1 ? '' : 's'}: nothing was imported (--strict)`);
  }
}

/** Every data row of the file was bad (or it has none), so nothing was imported. */
export class ImportEmptyError extends CreditstreamError {
  constructor(readonly file: string, readonly rows: number) {
    super('IMPORT_NOTHING_IMPORTED', rows === 0 ? `${file} has a header but no rows: nothing was imported` : `all ${rows} row${rows === 1 ? '' : 's'} of ${file} were skipped (reasons above): nothing was imported`);
  }
}

/** A ground-truth file line is not what `simulate --out` writes. */
export class TruthFileError extends CreditstreamError {
  constructor(readonly file: string, readonly line: number, detail: string) {
    super('TRUTH_FILE_INVALID', `${file}:${line}: ${detail}`);
  }
}
