import { splitCommandLine, type CommandLine } from './cmdline.ts';

// A task or Run value that starts `cmd /c "C:\x\tool.exe"`, `powershell -File C:\x\tool.ps1`,
// `rundll32 C:\x\tool.dll,Start` or `wscript C:\x\tool.vbs` names the interpreter first; the tool is what
// the interpreter is told to run. Detection matches paths, so the wrapper is peeled off here and the
// tool's program becomes the path (the caller keeps the original text). Inline scripts
// (`powershell -Command Get-Date; ...`, `-EncodedCommand`) have no program to name, so they stay as written.

const MAX_LAYERS = 4;

interface Token {
  value: string; // unquoted
  rest: string; // the text after it, as written
}

/** The next argument with Windows' quoting (double quotes group, are removed); undefined at the end. */
export function nextToken(s: string): Token | undefined {
  const t = s.replace(/^\s+/, '');
  if (!t) return undefined;
  let value = '';
  let quoted = false;
  let i = 0;
  for (; i < t.length; i++) {
    const c = t[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(c)) break;
    else value += c;
  }
  return { value, rest: t.slice(i).replace(/^\s+/, '') };
}

function program(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1).toLowerCase();
  return base.replace(/\.exe$/, '');
}

function commandOf(text: string): CommandLine | undefined {
  const t = text.trim();
  // cmd keeps a command wrapped in one more pair of quotes ("" "C:\a b\x.exe" -y "") as a whole
  const inner = /^"(".*)"$/.exec(t)?.[1] ?? t;
  return splitCommandLine(inner);
}

function fromCmd(args: string): CommandLine | undefined {
  let rest = args;
  for (let i = 0; i < 8; i++) {
    const tok = nextToken(rest);
    if (!tok) return undefined;
    if (/^\/[ck]$/i.test(tok.value)) return commandOf(tok.rest);
    if (/^\/[ck]\S/i.test(tok.value)) return commandOf(tok.value.slice(2) + ' ' + tok.rest); // cmd /cfoo.exe
    if (!tok.value.startsWith('/')) return undefined;
    rest = tok.rest;
  }
  return undefined;
}

// powershell.exe / pwsh.exe parameters that take a value (skipped with it) before -File or -Command
const PS_VALUED =
  /^-(executionpolicy|ex|ep|windowstyle|w|version|v|configurationname|config|outputformat|of|o|inputformat|if|psconsolefile|workingdirectory|wd|settingsfile)$/i;

function fromPowerShell(args: string): CommandLine | undefined {
  let rest = args;
  for (let i = 0; i < 16; i++) {
    const tok = nextToken(rest);
    if (!tok) return undefined;
    const v = tok.value;
    if (/^-f(i(le?)?)?$/i.test(v)) {
      const file = nextToken(tok.rest);
      return file?.value ? (file.rest ? { path: file.value, args: file.rest } : { path: file.value }) : undefined;
    }
    if (/^-c(o(m(m(a(n(d)?)?)?)?)?)?$/i.test(v)) return scriptProgram(tok.rest);
    if (/^-(e|ec|enc|encodedcommand)$/i.test(v)) return undefined; // base64 script: no program
    if (PS_VALUED.test(v)) {
      rest = nextToken(tok.rest)?.rest ?? '';
      continue;
    }
    if (v.startsWith('-')) {
      rest = tok.rest;
      continue;
    }
    return scriptProgram(rest); // the first bare argument starts an implicit -Command
  }
  return undefined;
}

/** `& 'C:\x\tool.exe' -a`, `"C:\x\t.ps1"`, `C:\x\tool.exe -a`: a script that only starts a program. */
function scriptProgram(script: string): CommandLine | undefined {
  // -Command "& 'C:\x\tool.exe' -a": the whole script in one pair of double quotes
  const whole = /^"\s*(&[^"]*)"$/.exec(script.trim())?.[1] ?? script;
  const s = whole.trim().replace(/^&\s*/, '');
  const q = /^(['"])(.+?)\1(?=\s|$)\s*(.*)$/s.exec(s);
  const cmd = q
    ? { path: q[2], args: q[3] }
    : (() => {
        const m = /^([^\s;|&'"`$(){}]+\.(?:exe|ps1|bat|cmd|com))(?=\s|$)\s*(.*)$/is.exec(s);
        return m ? { path: m[1], args: m[2] } : undefined;
      })();
  if (!cmd || !/[\\/]|\.(exe|ps1|bat|cmd|com)$/i.test(cmd.path)) return undefined;
  return cmd.args.trim() ? { path: cmd.path, args: cmd.args.trim() } : { path: cmd.path };
}

function fromScriptHost(args: string): CommandLine | undefined {
  let rest = args;
  for (let i = 0; i < 16; i++) {
    const tok = nextToken(rest);
    if (!tok) return undefined;
    if (!tok.value.startsWith('//')) return tok.rest ? { path: tok.value, args: tok.rest } : { path: tok.value };
    rest = tok.rest;
  }
  return undefined;
}

function fromRundll(args: string): CommandLine | undefined {
  const cmd = splitCommandLine(args);
  if (!cmd) return undefined;
  // "C:\x\tool.dll",Entry / C:\x\tool.dll,Entry: the DLL, with its entry point left in the arguments
  const comma = cmd.path.indexOf(',');
  const path = comma >= 0 ? cmd.path.slice(0, comma) : cmd.path;
  const entry = comma >= 0 ? cmd.path.slice(comma) : '';
  const rest = `${entry}${cmd.args ? `${entry ? ' ' : ''}${cmd.args}` : ''}`.trim();
  return path ? (rest ? { path, args: rest } : { path }) : undefined;
}

const UNWRAP: Record<string, (args: string) => CommandLine | undefined> = {
  cmd: fromCmd,
  powershell: fromPowerShell,
  pwsh: fromPowerShell,
  wscript: fromScriptHost,
  cscript: fromScriptHost,
  rundll32: fromRundll,
};

/** The program a command line ends up running, with the wrappers it went through (outermost first). */
export function unwrapCommand(cmd: CommandLine): { cmd: CommandLine; wrappers: string[] } {
  let cur = cmd;
  const wrappers: string[] = [];
  for (let i = 0; i < MAX_LAYERS; i++) {
    const name = program(cur.path);
    const fn = Object.hasOwn(UNWRAP, name) ? UNWRAP[name] : undefined;
    const next = fn && cur.args ? fn(cur.args) : undefined;
    if (!next) break;
    wrappers.push(cur.path);
    cur = next;
  }
  return { cmd: cur, wrappers };
}
