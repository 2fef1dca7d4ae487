// Service ImagePaths, Run values and task actions are command lines, not paths: the program may be quoted
// ("C:\Program Files\X\x.exe" --service) or not, with spaces (C:\Program Files\X\x.exe -k), which is how
// Windows itself resolves an unquoted service path: the first ".exe" followed by a space or the end.

const PROGRAM = /^(.+?\.(?:exe|com|bat|cmd|scr|pif|dll|sys|ps1|vbs|js))(?=\s|,|$)/i;

export interface CommandLine {
  path: string;
  args?: string;
}

export function splitCommandLine(line: string | undefined): CommandLine | undefined {
  const s = line?.trim();
  if (!s) return undefined;
  let path: string;
  let rest: string;
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    path = end < 0 ? s.slice(1) : s.slice(1, end);
    rest = end < 0 ? '' : s.slice(end + 1);
  } else {
    const space = s.search(/\s/);
    // a bare program name (cmd /c x.exe, wscript //B y.vbs) ends at the first space: only a path with a
    // folder can hold spaces, and looking for a later ".exe" would swallow the arguments
    const bare = space >= 0 && !/[\\/]/.test(s.slice(0, space));
    const m = bare ? null : PROGRAM.exec(s);
    const cut = m ? m[1].length : space < 0 ? s.length : space;
    path = s.slice(0, cut);
    rest = s.slice(cut);
  }
  path = path.trim();
  if (!path) return undefined;
  const args = rest.trim();
  return args ? { path, args } : { path };
}
