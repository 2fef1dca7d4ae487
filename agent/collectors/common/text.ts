/** The last component of a "/"-separated path. */
export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Splits captured output into lines, tolerating CRLF and a missing final newline. */
export function lines(out: string): string[] {
  return out.split(/\r?\n/);
}
