/**
 * Splits a command line the way .desktop Exec= and systemd ExecStart= quote it: double or single quotes
 * group, a backslash escapes the next character inside double quotes. No variable expansion.
 */
export function splitArgs(v: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quote) {
      if (c === '\\' && quote === '"' && i + 1 < v.length) cur += v[++i];
      else if (c === quote) quote = '';
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === ' ' || c === '\t') {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (inArg) args.push(cur);
  return args;
}
