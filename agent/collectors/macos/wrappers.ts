// A launchd job's ProgramArguments may start a shell or a launcher rather than the tool: RustDesk's own
// service plist runs ["/bin/sh", "-c", "/Applications/RustDesk.app/Contents/MacOS/service"]. Reported as
// is, /bin/sh would stand as the tool's evidence. The program the wrapper starts is what detection needs,
// so the argv is peeled here: sh/bash/zsh -c, /usr/bin/env, open -a. A shell script that is more than one
// command (pipes, `;`, variables) names no single program and stays as written.

const MAX_LAYERS = 4;
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh']);

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Splits one simple shell command into words (quotes and backslashes); undefined when it is more than one. */
export function shellWords(script: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < script.length && i < 8192; i++) {
    const c = script[i];
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      cur += script.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '\\' && j + 1 < script.length) j++;
        else if (script[j] === '$' || script[j] === '`') return undefined;
        cur += script[j];
      }
      if (j >= script.length) return undefined;
      has = true;
      i = j;
    } else if (c === '\\' && i + 1 < script.length) {
      cur += script[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else if (';&|<>()$`*?[{}!#~\n'.includes(c)) {
      return undefined; // a pipeline, list, redirection, expansion or glob: not one program
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  // `exec prog ...` and leading NAME=value assignments still run prog
  while (words.length && (words[0] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]))) words.shift();
  return words.length ? words : undefined;
}

function fromShell(argv: string[]): string[] | undefined {
  for (let i = 1; i < argv.length && i < 8; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-')) return undefined; // a script file or stdin: no -c
    if (/^-[a-z]*c[a-z]*$/i.test(a)) return argv[i + 1] !== undefined ? shellWords(argv[i + 1]) : undefined;
  }
  return undefined;
}

function fromEnv(argv: string[]): string[] | undefined {
  for (let i = 1; i < argv.length && i < 32; i++) {
    const a = argv[i];
    if (a === '-u' || a === '-P' || a === '-C') i++;
    else if (a === '-S' || a.startsWith('-S')) return shellWords(a === '-S' ? (argv[i + 1] ?? '') : a.slice(2));
    else if (a.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue;
    else return argv.slice(i);
  }
  return undefined;
}

/** open -a App / -a /Applications/App.app / open /Applications/App.app: the application bundle. */
function fromOpen(argv: string[]): string[] | undefined {
  for (let i = 1; i < argv.length && i < 32; i++) {
    const a = argv[i];
    if (a === '--args') return undefined;
    if (a === '-a' && argv[i + 1]) {
      const app = argv[i + 1];
      const path = app.includes('/') ? app : `/Applications/${app.endsWith('.app') ? app : `${app}.app`}`;
      return [path, ...argvAfterArgs(argv, i + 2)];
    }
    if (a === '-b' || a === '-e' || a === '-t' || a === '-f') return undefined; // a bundle id or an editor: no path
    if (a.startsWith('-')) continue;
    if (a.endsWith('.app') || a.endsWith('.app/')) return [a.replace(/\/$/, ''), ...argvAfterArgs(argv, i + 1)];
    return undefined;
  }
  return undefined;
}

function argvAfterArgs(argv: string[], from: number): string[] {
  const i = argv.indexOf('--args', from);
  return i < 0 ? [] : argv.slice(i + 1);
}

/** The argv a job ends up running, peeled of shells and launchers; the input when nothing was peeled. */
export function unwrapArgv(argv: string[]): string[] {
  let cur = argv;
  for (let layer = 0; layer < MAX_LAYERS && cur.length; layer++) {
    const name = base(cur[0]);
    const next = SHELLS.has(name) ? fromShell(cur) : name === 'env' ? fromEnv(cur) : name === 'open' ? fromOpen(cur) : undefined;
    if (!next?.length) break;
    cur = next;
  }
  return cur;
}
