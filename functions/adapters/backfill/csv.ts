/*
 * A small RFC 4180 CSV reader for backfill files (storefront exports), streaming: text is pushed in chunks of
 * any size and complete records come out as soon as they end, so a large export is never held in memory whole.
 *
 * - Fields are separated by commas; records end with CRLF, LF or a lone CR (exports saved by old spreadsheet
 *   programs); a record ending is kept inside a quoted field, as written.
 * - A quoted field doubles its quotes (`"a ""b"" c"`).
 * - Every record carries the 1-based line of the file where it starts, so that a multi-line quoted field still
 *   points at its record's first line.
 * - A UTF-8 byte order mark at the very start is dropped (Excel's "CSV UTF-8" and some exports write one).
 * - Lenient where RFC 4180 forbids but spreadsheets write anyway: a quote inside an unquoted field is kept as
 *   text, and text after a closing quote is appended. Both are reported on the record as `error` so that a
 *   strict caller can refuse it; so is a quoted field that the file never closes.
 * - Lines with no content at all (a trailing newline, blank lines) yield no record.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
  /** Set when the record breaks RFC 4180; the fields are then a best effort. Never echoes the content. */
  readonly error?: string;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/** Push text in chunks of any size, then call `end()` once; each call returns the records it completed. */
export class CsvReader {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private error: string | undefined;
  /** Line the current record started on, and the line the reader is on now. */
  private recordLine = 1;
  private line = 1;
  /** The previous chunk ended with CR: an LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private started = false;
  private ended = false;

  push(chunk: string): CsvRecord[] {
    if (this.ended) throw new Error('CsvReader: push after end');
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        // CRLF is one line break, already counted at the CR; inside quotes it stays part of the text.
        if (char === '\n') {
          if (this.state === 'quoted') this.field += char;
          continue;
        }
      }
      switch (this.state) {
        case 'fieldStart':
          if (char === '"') {
            this.state = 'quoted';
          } else if (char === ',') {
            this.fields.push('');
          } else if (char === '\r' || char === '\n') {
            // After a comma the record ends with one more, empty, field.
            if (this.fields.length > 0) this.fields.push('');
            this.endRecord(out);
            this.newLine(char);
            this.recordLine = this.line;
          } else {
            this.field = char;
            this.state = 'unquoted';
          }
          break;
        case 'unquoted':
          if (char === ',') {
            this.endField();
          } else if (char === '\r' || char === '\n') {
            this.endField();
            this.endRecord(out);
            this.newLine(char);
            this.recordLine = this.line;
          } else {
            if (char === '"') this.error ??= 'a quote inside an unquoted field';
            this.field += char;
          }
          break;
        case 'quoted':
          if (char === '"') {
            this.state = 'quoteInQuoted';
          } else {
            if (char === '\r' || char === '\n') this.newLine(char);
            this.field += char;
          }
          break;
        case 'quoteInQuoted':
          if (char === '"') {
            this.field += '"';
            this.state = 'quoted';
          } else if (char === ',') {
            this.endField();
          } else if (char === '\r' || char === '\n') {
            this.endField();
            this.endRecord(out);
            this.newLine(char);
            this.recordLine = this.line;
          } else {
            this.error ??= 'text after a closing quote';
            this.field += char;
            this.state = 'unquoted';
          }
          break;
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.ended) return [];
    this.ended = true;
    const out: CsvRecord[] = [];
    if (this.state === 'quoted') this.error ??= 'a quoted field is never closed';
    if (this.state !== 'fieldStart') this.endField();
    else if (this.fields.length > 0) this.fields.push('');
    this.endRecord(out);
    return out;
  }

  private newLine(char: string): void {
    this.line += 1;
    if (char === '\r') this.pendingCr = true;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = 'fieldStart';
  }

  private endRecord(out: CsvRecord[]): void {
    const fields = this.fields;
    // A line with nothing on it, or one empty field: no record.
    const blank = fields.length === 0 || (fields.length === 1 && fields[0] === '' && this.error === undefined);
    if (!blank) {
      out.push(
        this.error === undefined
          ? { line: this.recordLine, fields }
          : { line: this.recordLine, fields, error: this.error },
      );
    }
    this.fields = [];
    this.field = '';
    this.error = undefined;
    this.state = 'fieldStart';
  }
}

/** Every record of a whole text. */
export function* readCsv(text: string): Generator<CsvRecord> {
  const reader = new CsvReader();
  yield* reader.push(text);
  yield* reader.end();
}

/** Every record of a stream of text chunks, e.g. `createReadStream(path, { encoding: 'utf8' })`. */
export async function* readCsvStream(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvRecord> {
  const reader = new CsvReader();
  for await (const chunk of chunks) yield* reader.push(chunk);
  yield* reader.end();
}
