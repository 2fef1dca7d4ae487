// The one CSV reader for the agent-side scripts and the server: one row per line (CRLF or LF), cells in
// RFC 4180 double quotes where they hold a comma, "" for a quote inside them. A quoted cell cannot span
// lines: every file read here is written one record per line, and a quote left open then spoils only its
// own row (said in `unclosed`) instead of swallowing the rest of the file. Cells are trimmed; a quote
// opens a quoted cell only at the start of a cell, elsewhere it is a plain character.

export interface CsvRow {
  /** 1-based line number, for messages. */
  line: number;
  cells: string[];
  /** A quoted cell was still open at the end of the line: the cells are not to be trusted. */
  unclosed: boolean;
}

export interface CsvText {
  /** Lines in the text, blank and comment lines included. */
  lineCount: number;
  /** Rows of the non-blank lines; none when lineCount is over the limit. */
  rows: CsvRow[];
}

export interface CsvOptions {
  /** Most lines read; a longer text gives no rows (the caller says why, with lineCount). */
  maxLines: number;
  /** Lines whose first non-blank character is "#" are comments. */
  comments?: boolean;
}

/** Splits one line into its cells. */
export function csvCells(line: string): { cells: string[]; unclosed: boolean } {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (ch === ',') {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return { cells, unclosed: quoted };
}

/** The rows of a CSV text (a leading byte-order mark is dropped), skipping blank lines and, if asked, comments. */
export function readCsv(text: string, opts: CsvOptions): CsvText {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > opts.maxLines) return { lineCount: lines.length, rows: [] };
  const rows: CsvRow[] = [];
  for (const [i, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (!trimmed || (opts.comments && trimmed.startsWith('#'))) continue;
    rows.push({ line: i + 1, ...csvCells(raw) });
  }
  return { lineCount: lines.length, rows };
}

/** A cell a spreadsheet would run as a formula (= + - @, tab, CR first: CSV injection) gets a leading apostrophe. */
export function defuseCsvCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}
