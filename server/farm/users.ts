/**
 * One spelling per person, so "CORP\Alice", "alice@corp.example" and "alice" are one user: lower case,
 * without a Windows domain prefix or a mail/UPN domain. The same function keys the expected-region CSV.
 */
export function normalizeUser(raw: string | undefined | null): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let s = raw.trim().toLowerCase();
  const bs = s.lastIndexOf('\\');
  if (bs >= 0) s = s.slice(bs + 1);
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  s = s.trim();
  return s && s.length <= 256 ? s : undefined;
}
