// CSV as Windows tools print it (schtasks /fo CSV): every field quoted, "" for a quote inside a field,
// CRLF between records. Quoted fields may hold commas and line breaks, so this is a small state machine
// rather than a split on commas.

const MAX_FIELDS = 256;

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let started = false; // the current record has at least one character or separator
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      started = true;
    } else if (c === ',') {
      if (row.length < MAX_FIELDS) row.push(field);
      field = '';
      started = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      if (started || field) {
        if (row.length < MAX_FIELDS) row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      started = false;
    } else {
      field += c;
      started = true;
    }
  }
  if (started || field) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
