/** A complete CSV record and the physical line it starts on (1-based; the header is line 1). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** A record that could not be read, with the line it starts on and why. */
export interface CsvProblem {
  readonly line: number;
  readonly reason: string;
}

export type CsvResult = CsvRecord | CsvProblem;

export function isProblem(r: CsvResult): r is CsvProblem {
  return 'reason' in r;
}

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter that occurs most often outside quotes in a header line (`,` when none does). */
export function detectDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const ch of headerLine) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === d) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/**
 * An incremental RFC 4180 CSV reader: feed it text in chunks of any size, get complete records back. Accepts a
 * UTF-8 byte-order mark, CRLF, LF or CR line ends, quoted fields with `""` escapes and line breaks inside quotes,
 * and skips blank lines. A stray quote inside an unquoted field is kept as text (as spreadsheets write it); text
 * after a closing quote and an unterminated quote are problems reported on the line the record starts. Pure.
 */
export class CsvParser {
  private delimiter: string | null;
  private started = false;
  private pending = '';
  private line = 1;
  private recordLine = 1;
  private fields: string[] = [];
  private field = '';
  private quoted = false;
  /** The field started with a quote (so it is a quoted field, even once the quote closed). */
  private inQuotedField = false;
  private afterClosingQuote = false;
  private problem: string | null = null;
  private lastWasCR = false;

  constructor(delimiter?: string) {
    this.delimiter = delimiter ?? null;
  }

  /** The delimiter in use (detected from the first line unless given). */
  get separator(): string | null {
    return this.delimiter;
  }

  push(chunk: string): CsvResult[] {
    let text = chunk;
    if (!this.started) {
      text = this.pending + text;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (this.delimiter === null) {
        const eol = text.search(/[\r\n]/);
        if (eol < 0) {
          this.pending = text;
          return [];
        }
        this.delimiter = detectDelimiter(text.slice(0, eol));
      }
      this.pending = '';
      this.started = true;
    }
    const out: CsvResult[] = [];
    this.consume(text, out);
    return out;
  }

  /** Ends the input: returns the last record (a file need not end with a line break). */
  end(): CsvResult[] {
    const out: CsvResult[] = [];
    if (!this.started) {
      this.delimiter ??= detectDelimiter(this.pending);
      this.started = true;
      const rest = this.pending.charCodeAt(0) === 0xfeff ? this.pending.slice(1) : this.pending;
      this.pending = '';
      this.consume(rest, out);
    }
    if (this.quoted) {
      out.push({ line: this.recordLine, reason: `unterminated quoted field: the quote opened on line ${this.recordLine} is never closed` });
      this.reset();
    } else if (this.fields.length > 0 || this.field !== '' || this.inQuotedField) {
      this.finishRecord(out);
    }
    return out;
  }

  private consume(text: string, out: CsvResult[]): void {
    const d = this.delimiter ?? ',';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      const afterCR = this.lastWasCR;
      this.lastWasCR = ch === '\r';
      if (this.quoted) {
        if (ch === '"') {
          if (i + 1 < text.length) {
            if (text[i + 1] === '"') {
              this.field += '"';
              i++;
            } else {
              this.quoted = false;
              this.afterClosingQuote = true;
            }
          } else {
            // The chunk ends on a quote: whether it is an escape depends on the next chunk.
            this.quoted = false;
            this.afterClosingQuote = true;
            this.maybeEscape = true;
          }
        } else {
          if (ch === '\r' || (ch === '\n' && !afterCR)) this.line++;
          this.field += ch;
        }
        continue;
      }
      if (ch === '\n' && afterCR) continue;
      if (this.maybeEscape) {
        this.maybeEscape = false;
        if (ch === '"') {
          // It was `""` split across chunks: an escaped quote, still inside the quoted field.
          this.field += '"';
          this.quoted = true;
          this.afterClosingQuote = false;
          continue;
        }
      }
      if (ch === d) {
        this.fields.push(this.field);
        this.field = '';
        this.inQuotedField = false;
        this.afterClosingQuote = false;
      } else if (ch === '\n' || ch === '\r') {
        this.finishRecord(out);
        this.line++;
        this.recordLine = this.line;
      } else if (this.afterClosingQuote) {
        if (this.problem === null) this.problem = `unexpected ${JSON.stringify(ch)} after the closing quote of field ${this.fields.length + 1}`;
      } else if (ch === '"' && this.field === '' && !this.inQuotedField) {
        this.quoted = true;
        this.inQuotedField = true;
      } else {
        this.field += ch;
      }
    }
  }

  private maybeEscape = false;

  private finishRecord(out: CsvResult[]): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.inQuotedField;
    if (this.problem !== null) out.push({ line: this.recordLine, reason: this.problem });
    else if (!blank) out.push({ line: this.recordLine, fields: this.fields });
    this.reset();
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotedField = false;
    this.afterClosingQuote = false;
    this.quoted = false;
    this.problem = null;
  }
}
