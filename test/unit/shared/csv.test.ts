import { describe, expect, it } from 'vitest';
import { parseExpectedRegions } from '../../../server/console/csv.ts';
import { csvCells, readCsv } from '../../../shared/csv.ts';

// The one CSV reader of the console upload, the farm's regions file and the jschell catalog import.

describe('csvCells', () => {
  it('reads RFC 4180 quoting: commas and "" inside quotes, empty and trimmed cells', () => {
    expect(csvCells('a, "b, c" ,"say ""hi""",,"" ')).toEqual({ cells: ['a', 'b, c', 'say "hi"', '', ''], unclosed: false });
    expect(csvCells('')).toEqual({ cells: [''], unclosed: false });
  });

  it('a quote inside an unquoted cell is a plain character; one left open is said', () => {
    expect(csvCells('O"Brien,x')).toEqual({ cells: ['O"Brien', 'x'], unclosed: false });
    expect(csvCells('"open,US,')).toEqual({ cells: ['open,US,'], unclosed: true });
  });
});

describe('readCsv', () => {
  it('drops the byte-order mark, takes CRLF and LF, skips blank lines and (when asked) comments, numbering real lines', () => {
    const text = '\uFEFFuser,countries\r\n\r\n# a comment\r\n  bob , DE\n"a,b",\n';
    expect(readCsv(text, { maxLines: 10, comments: true })).toEqual({
      lineCount: 6,
      rows: [
        { line: 1, cells: ['user', 'countries'], unclosed: false },
        { line: 4, cells: ['bob', 'DE'], unclosed: false },
        { line: 5, cells: ['a,b', ''], unclosed: false },
      ],
    });
    expect(readCsv('# not a comment here,x', { maxLines: 10 }).rows[0].cells).toEqual(['# not a comment here', 'x']);
  });

  it('a quote left open spoils only its own line', () => {
    const { rows } = readCsv('"open,US\nnext,FR', { maxLines: 10 });
    expect(rows.map((r) => [r.line, r.unclosed, r.cells[0]])).toEqual([
      [1, true, 'open,US'],
      [2, false, 'next'],
    ]);
  });

  it('over the line limit gives no rows and the count, without reading a row', () => {
    expect(readCsv('a\nb\nc', { maxLines: 2 })).toEqual({ lineCount: 3, rows: [] });
    expect(readCsv('a\nb', { maxLines: 2 }).rows).toHaveLength(2);
  });
});

describe('console regions upload', () => {
  it('names the line of an unclosed quote instead of reading it as a cell', () => {
    expect(parseExpectedRegions('user,countries\r\nbob,DE\r\n"ann,FR\r\n')).toEqual({ error: 'Line 3: a quoted cell is not closed.' });
  });
});
