// The service definitions and MDM scripts in scripts/deploy, checked with real parsers: systemd's own unit
// parser (in deploy-scripts.test.ts, after install), python3's plistlib and xml.etree, and the tree-sitter
// PowerShell grammar for the .ps1 files that cannot run on this Linux machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Language, Parser, type Node as TsNode } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIELDS, defaultConfigFile, defaultSpoolDir } from '../../../agent/config/fields.ts';
import { ROOT } from '../../helpers/paths.ts';

const DEPLOY = path.join(ROOT, 'scripts/deploy');
const read = (rel: string) => readFileSync(path.join(DEPLOY, rel), 'utf8');

/** systemd unit file: section -> key -> values (a key may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1];
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `line outside key=value: ${line}`).toBeGreaterThan(0);
    expect(section, `key before any section: ${line}`).not.toBe('');
    const key = line.slice(0, eq).trim();
    (out[section][key] ??= []).push(line.slice(eq + 1).trim());
  }
  return out;
}

function python(script: string, file: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
}

describe('systemd unit', () => {
  const unit = parseUnit(read('systemd/ratwatch.service'));
  const svc = unit.Service;
  const one = (k: string) => {
    expect(svc[k], `Service.${k}`).toHaveLength(1);
    return svc[k][0];
  };

  it('runs the daemon as a simple service that restarts after failures', () => {
    expect(one('Type')).toBe('simple');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartSec')).toMatch(/^\d+s?$/);
    expect(one('ExecStart')).toBe(`/usr/local/bin/ratwatch daemon --config ${defaultConfigFile('linux')}`);
    expect(unit.Install.WantedBy).toEqual(['multi-user.target']);
  });

  it('limits what a background scanner may take', () => {
    expect(one('CPUQuota')).toBe('20%');
    expect(one('MemoryMax')).toMatch(/^\d+[KMG]$/);
    expect(Number(one('Nice'))).toBeGreaterThan(0);
  });

  it('is sandboxed but can still read every user and write only its state directory', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('read-only');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ReadWritePaths').split(/\s+/)).toContain('/var/lib/ratwatch');
    expect(one('StateDirectory')).toBe('ratwatch');
    expect(one('CapabilityBoundingSet').split(/\s+/).sort()).toEqual(['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
    // the agent's own default spool must sit inside the one writable directory
    expect(defaultSpoolDir('linux').startsWith('/var/lib/ratwatch/')).toBe(true);
    // hiding other users' /proc entries would blind the process collector
    expect(svc.ProtectProc).toBeUndefined();
    expect(svc.ProcSubset).toBeUndefined();
    // V8's JIT needs writable+executable memory
    expect(svc.MemoryDenyWriteExecute).toBeUndefined();
  });

  it('does not restart after a bad config, and filters system calls without killing on a refused one', () => {
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(svc.SystemCallFilter).toEqual(['@system-service @pkey', '~@privileged']);
    expect(one('SystemCallErrorNumber')).toBe('EPERM');
    // the collectors read sysfs, not device nodes (the syscall list is checked in test/e2e/deploy/install-start.test.ts)
    expect(one('PrivateDevices')).toBe('yes');
  });
});

describe('launchd plist', () => {
  const file = path.join(DEPLOY, 'launchd/com.ratwatch.agent.plist');
  let plist: Record<string, any>;
  beforeAll(() => {
    plist = python('import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file) as Record<string, any>;
  });

  it('is a valid plist for a RunAtLoad daemon that restarts unless it exited cleanly', () => {
    expect(plist.Label).toBe('com.ratwatch.agent');
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(plist.ProgramArguments).toEqual(['/usr/local/bin/ratwatch', 'daemon', '--config', defaultConfigFile('darwin')]);
    expect(plist.StandardErrorPath).toMatch(/^\/Library\/Logs\//);
    expect(plist.ThrottleInterval).toBeGreaterThanOrEqual(10);
    expect(plist.ProcessType).toBe('Background');
  });

  it('signs with only the JIT exceptions V8 needs', () => {
    const ent = python(
      'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))',
      path.join(DEPLOY, 'macos/ratwatch.entitlements'),
    );
    expect(ent).toEqual({ 'com.apple.security.cs.allow-jit': true, 'com.apple.security.cs.allow-unsigned-executable-memory': true });
  });

  it('keeps the spool inside the directory install.sh makes root-only', () => {
    expect(plist.Umask).toBe(0o077);
    expect(defaultSpoolDir('darwin').startsWith(`${plist.WorkingDirectory}/`)).toBe(true);
  });
});

describe('Windows scheduled task XML', () => {
  const file = path.join(DEPLOY, 'windows/ratwatch-task.xml');
  let task: Record<string, string>;
  beforeAll(() => {
    // flattens the task into "Path/To/Element" -> text, namespace stripped; fails on malformed XML
    task = python(
      [
        'import json,sys,xml.etree.ElementTree as ET',
        'root=ET.parse(sys.argv[1]).getroot()',
        'out={"@root":root.tag,"@version":root.get("version")}',
        'def walk(e,p):',
        '  for c in e:',
        '    t=c.tag.split("}")[1]; q=p+"/"+t if p else t',
        '    out[q]=(c.text or "").strip(); walk(c,q)',
        'walk(root,"")',
        'print(json.dumps(out))',
      ].join('\n'),
      file,
    ) as Record<string, string>;
  });

  it('is a Task Scheduler task running the daemon as SYSTEM', () => {
    expect(task['@root']).toBe('{http://schemas.microsoft.com/windows/2004/02/mit/task}Task');
    expect(task['Principals/Principal/UserId']).toBe('S-1-5-18');
    expect(task['Actions/Exec/Command']).toBe('%ProgramFiles%\\ratwatch\\ratwatch.exe');
    expect(task['Actions/Exec/Arguments']).toBe('daemon --config "%ProgramData%\\ratwatch\\ratwatch.yaml"');
    expect(defaultConfigFile('win32').endsWith('\\ratwatch\\ratwatch.yaml')).toBe(true);
  });

  it('starts at boot, never times out, and comes back after a crash', () => {
    expect(task['Triggers/BootTrigger/Enabled']).toBe('true');
    expect(task['Settings/ExecutionTimeLimit']).toBe('PT0S');
    expect(task['Settings/MultipleInstancesPolicy']).toBe('IgnoreNew');
    expect(task['Triggers/TimeTrigger/Repetition/Interval']).toBe('PT15M');
    // schema limits: Interval PT1M..P31D, Count an unsignedByte >= 1
    expect(task['Settings/RestartOnFailure/Interval']).toMatch(/^PT([1-9]\d*)M$/);
    expect(Number(task['Settings/RestartOnFailure/Count'])).toBeGreaterThanOrEqual(1);
    expect(Number(task['Settings/RestartOnFailure/Count'])).toBeLessThanOrEqual(255);
    expect(task['Settings/DisallowStartIfOnBatteries']).toBe('false');
    expect(task['Settings/StopIfGoingOnBatteries']).toBe('false');
  });
});

describe('PowerShell scripts', () => {
  const ps1 = ['intune/detect.ps1', 'windows/install.ps1', 'windows/uninstall.ps1'];
  let parser: Parser;
  beforeAll(async () => {
    await Parser.init();
    const wasm = path.join(ROOT, 'node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm');
    parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
  });

  const parse = (rel: string) => parser.parse(read(rel))!.rootNode;
  const all = (n: TsNode, type: string): TsNode[] =>
    (n.type === type ? [n] : []).concat(...n.children.filter((c): c is TsNode => c !== null).map((c) => all(c, type)));

  it('lists every script in the deploy tree', () => {
    const found = ['intune', 'windows'].flatMap((d) =>
      readdirSync(path.join(DEPLOY, d))
        .filter((f) => f.endsWith('.ps1'))
        .map((f) => `${d}/${f}`),
    );
    expect(found.sort()).toEqual([...ps1].sort());
  });

  it.each(ps1)('%s parses without syntax errors', (rel) => {
    const root = parse(rel);
    const bad = all(root, 'ERROR').map((n) => `${n.startPosition.row + 1}: ${n.text.slice(0, 60)}`);
    expect(bad).toEqual([]);
    expect(root.hasError).toBe(false);
  });

  it('the grammar does catch a broken script', () => {
    expect(parser.parse('if ($x -eq 1 { Write-Output "a"\n')!.rootNode.hasError).toBe(true);
  });

  it.each(ps1)('%s is plain ASCII without a BOM (Intune requires UTF-8 without BOM)', (rel) => {
    const bytes = readFileSync(path.join(DEPLOY, rel));
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.every((b) => b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))).toBe(true);
  });

  describe('Intune detection exit codes', () => {
    const text = () => read('intune/detect.ps1');

    it('runs the summary scan', () => {
      expect(text()).toContain("$psi.Arguments = 'scan --format summary'");
    });

    it('leaves only through Exit-WithLine, which prints one line and exits with its code', () => {
      const root = parse('intune/detect.ps1');
      const exits = all(root, 'flow_control_statement').filter((n) => /^exit\b/i.test(n.text));
      expect(exits.map((n) => n.text)).toEqual(['exit $Code']);
      const fn = all(root, 'function_statement').find((n) => n.text.includes('function Exit-WithLine'));
      expect(fn?.text).toMatch(/Write-Output \(ConvertTo-OneLine \$Text\)\s+exit \$Code/);
    });

    it('maps ratwatch 0 -> 0, 1 -> 1 and anything else (missing, timeout, bad input, crash) -> 1', () => {
      const root = parse('intune/detect.ps1');
      const calls = all(root, 'command')
        .filter((n) => n.text.startsWith('Exit-WithLine '))
        .map((n) => Number(n.text.trim().split(/\s+/).pop()));
      // missing exe, cannot start, timeout, clean, findings, other exit code
      expect(calls).toEqual([1, 1, 1, 0, 1, 1]);
      const clauses = all(root, 'switch_clause').map((c) => c.text.replace(/\s+/g, ' '));
      expect(clauses[0]).toMatch(/^0 \{ Exit-WithLine \$summary 0 \}$/);
      expect(clauses[1]).toMatch(/^1 \{ Exit-WithLine \$summary 1 \}$/);
      expect(clauses[2]).toMatch(/^default \{.*Exit-WithLine "ratwatch error \(exit \$code\): \$why" 1 \}$/);
    });

    it('keeps the printed line under the 2048 characters Intune keeps', () => {
      const max = /\$MaxLine = (\d+)/.exec(text());
      expect(Number(max?.[1])).toBeLessThan(2048);
      expect(text()).toMatch(/-replace '\[\\x00-\\x1f\\x7f\]\+', ' '/);
    });
  });
});

describe('docs/deploy.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/deploy.md'), 'utf8');

  it('documents every configuration key with its environment variable', () => {
    const missing = FIELDS.filter((f) => !doc.includes(`| \`${f.key}\` | \`${f.env}\` |`)).map((f) => f.key);
    expect(missing).toEqual([]);
  });

  it('names every deploy file it tells people to use', () => {
    for (const rel of [
      'systemd/ratwatch.service',
      'launchd/com.ratwatch.agent.plist',
      'windows/ratwatch-task.xml',
      'intune/detect.ps1',
      'jamf/ratwatch-ea.sh',
      'macos/ratwatch.entitlements',
    ]) {
      expect(doc).toContain(`scripts/deploy/${rel}`);
      expect(readFileSync(path.join(DEPLOY, rel)).length).toBeGreaterThan(0);
    }
  });
});
