// Runs install.sh / uninstall.sh into a staging root (DESTDIR) and the Jamf extension attribute script,
// against the real CLI through tsx, and lets systemd's own parser check the installed unit.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../agent/config/load.ts';
import { VERSION } from '../../../agent/version.ts';
import { ROOT } from '../../helpers/paths.ts';

const DEPLOY = path.join(ROOT, 'scripts/deploy');
const INVENTORIES = path.join(ROOT, 'test/fixtures/inventories');

let tmp: string;
let cli: string; // a stand-in for the ratwatch executable: the tsx CLI, optionally replaying RW_INVENTORY

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-deploy-'));
  cli = path.join(tmp, 'ratwatch-cli');
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  writeFileSync(cli, `#!/bin/sh\nexec "${tsx}" "${ROOT}/agent/main.ts" "$@" \${RW_INVENTORY:+--inventory "$RW_INVENTORY"}\n`);
  chmodSync(cli, 0o755);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('install.sh / uninstall.sh on Linux (staged with DESTDIR)', () => {
  let dest: string;
  const install = (...args: string[]) =>
    run('bash', [path.join(DEPLOY, 'install.sh'), '--binary', cli, ...args], { DESTDIR: dest, RATWATCH_INSTALL_OS: 'Linux' });
  const uninstall = (...args: string[]) =>
    run('bash', [path.join(DEPLOY, 'uninstall.sh'), ...args], { DESTDIR: dest, RATWATCH_INSTALL_OS: 'Linux' });

  beforeAll(() => {
    dest = path.join(tmp, 'linux-root');
  });

  it('installs the executable, a root-only config and state dir, and the unit', () => {
    const r = install();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(mode(`${dest}/usr/local/bin/ratwatch`)).toBe('755');
    expect(mode(`${dest}/etc/ratwatch.yaml`)).toBe('600');
    expect(mode(`${dest}/var/lib/ratwatch`)).toBe('700');
    expect(mode(`${dest}/etc/systemd/system`)).toBe('755');
    expect(readFileSync(`${dest}/etc/systemd/system/ratwatch.service`, 'utf8')).toBe(
      readFileSync(`${DEPLOY}/systemd/ratwatch.service`, 'utf8'),
    );
    expect(execFileSync(`${dest}/usr/local/bin/ratwatch`, ['--version'], { encoding: 'utf8' }).trim()).toBe(VERSION);
  });

  it('writes a default config the agent loads, the same one install.ps1 writes', () => {
    const file = `${dest}/etc/ratwatch.yaml`;
    expect(loadConfig({ file, env: {} }).schedule).toBe('0 * * * *');
    const ps1 = readFileSync(path.join(DEPLOY, 'windows/install.ps1'), 'utf8');
    const block = /\$default = @\(\n([\s\S]*?)\n\s*\)/.exec(ps1)?.[1] ?? '';
    const lines = block.split(',\n').map((l) => l.trim().replace(/^'|'$/g, ''));
    expect(lines.join('\n') + '\n').toBe(readFileSync(file, 'utf8'));
  });

  it('passes systemd-analyze verify with the executable in place, and fails it without', () => {
    // the staging root needs systemd's own units (sysinit.target...) for the dependency check
    execFileSync('mkdir', ['-p', `${dest}/usr/lib/systemd`]);
    execFileSync('cp', ['-a', '/usr/lib/systemd/system', `${dest}/usr/lib/systemd/`]);
    const ok = run('systemd-analyze', ['verify', `--root=${dest}`, 'ratwatch.service']);
    expect(ok.stderr.split('\n').filter((l) => l.includes('ratwatch'))).toEqual([]);
    expect(ok.code).toBe(0);
    const exe = `${dest}/usr/local/bin/ratwatch`;
    const keep = `${exe}.keep`;
    execFileSync('mv', [exe, keep]);
    const bad = run('systemd-analyze', ['verify', `--root=${dest}`, 'ratwatch.service']);
    execFileSync('mv', [keep, exe]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('/usr/local/bin/ratwatch is not executable');
  });

  it('is idempotent: a second run keeps the operator config, --config replaces it', () => {
    writeFileSync(`${dest}/etc/ratwatch.yaml`, 'schedule: "*/5 * * * *"\n');
    expect(install('--no-start').code).toBe(0);
    expect(readFileSync(`${dest}/etc/ratwatch.yaml`, 'utf8')).toBe('schedule: "*/5 * * * *"\n');
    const mine = path.join(tmp, 'mine.yaml');
    writeFileSync(mine, 'schedule: "0 3 * * *"\n', { mode: 0o644 });
    expect(install('--config', mine).code).toBe(0);
    expect(readFileSync(`${dest}/etc/ratwatch.yaml`, 'utf8')).toBe('schedule: "0 3 * * *"\n');
    expect(mode(`${dest}/etc/ratwatch.yaml`)).toBe('600');
    expect(existsSync(`${dest}/usr/local/bin/ratwatch.new`)).toBe(false);
  });

  it('refuses a missing binary with a clear message', () => {
    const r = run('bash', [path.join(DEPLOY, 'install.sh'), '--binary', path.join(tmp, 'nope')], { DESTDIR: dest });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`install.sh: binary not found: ${path.join(tmp, 'nope')}\n`);
  });

  it('uninstalls, keeping config and state unless --purge, and can run twice', () => {
    expect(uninstall().code).toBe(0);
    expect(existsSync(`${dest}/usr/local/bin/ratwatch`)).toBe(false);
    expect(existsSync(`${dest}/etc/systemd/system/ratwatch.service`)).toBe(false);
    expect(existsSync(`${dest}/etc/ratwatch.yaml`)).toBe(true);
    expect(existsSync(`${dest}/var/lib/ratwatch`)).toBe(true);
    const purged = uninstall('--purge');
    expect(purged.code).toBe(0);
    expect(purged.stdout).toBe('ratwatch removed (config and state purged)\n');
    expect(existsSync(`${dest}/etc/ratwatch.yaml`)).toBe(false);
    expect(existsSync(`${dest}/var/lib/ratwatch`)).toBe(false);
    expect(uninstall('--purge').code).toBe(0);
  });
});

describe('install.sh macOS layout (staged with DESTDIR)', () => {
  it('puts the LaunchDaemon, config and state where the plist and the agent expect them', () => {
    const dest = path.join(tmp, 'mac-root');
    const r = run('bash', [path.join(DEPLOY, 'install.sh'), '--binary', cli], { DESTDIR: dest, RATWATCH_INSTALL_OS: 'Darwin' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const support = `${dest}/Library/Application Support/ratwatch`;
    expect(mode(support)).toBe('700');
    expect(mode(`${support}/ratwatch.yaml`)).toBe('600');
    expect(mode(`${dest}/Library/LaunchDaemons/com.ratwatch.agent.plist`)).toBe('644');
    expect(mode(`${dest}/usr/local/bin/ratwatch`)).toBe('755');
    const u = run('bash', [path.join(DEPLOY, 'uninstall.sh'), '--purge'], { DESTDIR: dest, RATWATCH_INSTALL_OS: 'Darwin' });
    expect(u.code).toBe(0);
    expect(existsSync(support)).toBe(false);
    expect(existsSync(`${dest}/Library/LaunchDaemons/com.ratwatch.agent.plist`)).toBe(false);
  });
});

describe('Jamf extension attribute', () => {
  const ea = path.join(DEPLOY, 'jamf/ratwatch-ea.sh');
  const runEa = (env: Record<string, string>) => run(ea, [], env);

  it('reports the findings of a scan in one <result> line and exits 0', () => {
    const r = runEa({ RATWATCH_BIN: cli, RW_INVENTORY: path.join(INVENTORIES, 'macos-anydesk.json') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<result>ratwatch: \d+ remote-access finding\(s\): [^\n]*AnyDesk[^\n]*<\/result>\n$/);
  });

  it('reports a clean machine', () => {
    const r = runEa({ RATWATCH_BIN: cli, RW_INVENTORY: path.join(INVENTORIES, 'macos-clean.json') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<result>ratwatch: clean[^\n]*<\/result>\n$/);
  });

  it('turns a failing scan into an escaped error value, still exiting 0', () => {
    const r = runEa({ RATWATCH_BIN: cli, RW_INVENTORY: path.join(tmp, 'missing<&>.json') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<result>ratwatch error \(exit 2\): [^\n<>]*missing&lt;&amp;&gt;\.json[^\n<>]*<\/result>\n$/);
  });

  it('says when ratwatch is not installed', () => {
    const r = runEa({ RATWATCH_BIN: path.join(tmp, 'not-there') });
    expect(r.stdout).toBe('<result>ratwatch not installed</result>\n');
    expect(r.code).toBe(0);
  });
});
