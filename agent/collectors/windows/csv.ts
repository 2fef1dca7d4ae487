// CSV as Windows tools print it (schtasks /fo CSV): every field quoted, CRLF between records. Quoted
// fields may hold commas and line breaks, so this is a small state machine rather than a split on commas.
// schtasks does not double the quotes inside a field ("reg query "HKLM\..." /v "SD"" is one field, as
// real captures show), so a quote ends a field only where a separator or the end follows it; "" before
// anything else is still read as one quote, as RFC 4180 writers escape it.

const MAX_FIELDS = 256;

function endsField(s: string, i: number): boolean {
  return i >= s.length || s[i] === ',' || s[i] === '\r' || s[i] === '\n';
}

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
      if (c !== '"') field += c;
      else if (s[i + 1] === '"' && !endsField(s, i + 2)) {
        field += '"';
        i++;
      } else if (endsField(s, i + 1)) quoted = false;
      else field += '"';
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
