/**
 * @module
 * RFC 4180 CSV parsing for the snapshot builder. The leaderboard CSVs carry HTML in quoted
 * fields (embedded `""` quotes, commas, and in principle newlines), so splitting on commas is
 * wrong; a 60-line state machine is cheaper to own than a dependency the runtime never needs.
 */

export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.name = "CsvSyntaxError";
    this.line = line;
  }
}

/**
 * Rows of fields. Quoted fields may contain separators, `""` (a literal quote) and line
 * breaks; `\r\n` and `\n` both end a row; a trailing newline does not make an empty row.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let inQuotes = false;
  let fieldWasQuoted = false;
  let line = 1;
  /** Where the open quoted field began: an unclosed one is reported there, not at the end. */
  let quoteLine = 1;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = "";
    fieldWasQuoted = false;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (index < text.length) {
    const character = text[index] as string;
    if (inQuotes) {
      if (character === '"') {
        if (text[index + 1] === '"') {
          field += '"';
          index += 2;
          continue;
        }
        inQuotes = false;
      } else {
        if (character === "\n") line += 1;
        field += character;
      }
      index += 1;
      continue;
    }
    if (character === '"') {
      if (field.length > 0 || fieldWasQuoted) {
        throw new CsvSyntaxError("Unexpected quote inside an unquoted field", line);
      }
      inQuotes = true;
      fieldWasQuoted = true;
      quoteLine = line;
    } else if (character === ",") {
      endField();
    } else if (character === "\n" || character === "\r") {
      if (character === "\r" && text[index + 1] === "\n") index += 1;
      endRow();
      line += 1;
    } else {
      if (fieldWasQuoted) throw new CsvSyntaxError("Text after a closing quote", line);
      field += character;
    }
    index += 1;
  }
  if (inQuotes) {
    throw new CsvSyntaxError(
      `Quoted field opened here is not closed (the file ends on line ${line})`,
      quoteLine,
    );
  }
  if (field.length > 0 || fieldWasQuoted || row.length > 0) endRow();
  return rows;
}

/**
 * A numeric field, or null when empty or not a number. Accepts thousands separators
 * (`"1,014.45"` in timm's results) and floats written for integers (`"1024.0"`).
 */
export function csvNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim().replaceAll(",", "");
  if (trimmed === "") return null;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Rows as objects keyed by the header row; rows with a different field count are errors. */
export function parseCsvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) return [];
  return rows.map((row, rowIndex) => {
    if (row.length !== header.length) {
      throw new CsvSyntaxError(
        `Expected ${header.length} fields, found ${row.length}`,
        // Row numbers, not physical lines: close enough to find the row in an editor.
        rowIndex + 2,
      );
    }
    const record: Record<string, string> = {};
    header.forEach((name, column) => {
      record[name] = row[column] as string;
    });
    return record;
  });
}
