import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installDirOf } from '../../../../../agent/catalog/load.ts';
import { findReferenceFiles } from '../../../../../agent/collectors/linux/identity.ts';
import { interpreterOf, normalizePath, packageOf, scriptOf } from '../../../../../agent/collectors/linux/script.ts';
import { RealRunner } from '../../../../../agent/runner.ts';

// argv as /proc/<pid>/cmdline holds it for the interpreted servers of issue 11 (class 1); the live ones
// are in test/e2e/agent/linux-live-servers.test.ts.

describe('scriptOf: the script an interpreter runs', () => {
  it('reads python argv past its own options', () => {
    expect(scriptOf('/usr/bin/python3.11', ['/usr/bin/python3', '/usr/bin/xpra', 'start', ':100'])).toEqual({
      path: '/usr/bin/xpra',
      name: 'xpra',
    });
    expect(
      scriptOf('/usr/bin/python3.11', ['python3', '-u', '-W', 'ignore', '-X', 'dev', 'pagekite.py', '--frontend=x'], undefined, '/home/u'),
    ).toEqual({ path: '/home/u/pagekite.py', name: 'pagekite.py' });
    expect(scriptOf('/usr/bin/python3.11', ['python3', '-m', 'websockify', '6080', 'localhost:5900'])).toEqual({ name: 'websockify' });
    expect(scriptOf('/usr/bin/python3.11', ['python3', '-mwebsockify', '6080'])).toEqual({ name: 'websockify' });
    expect(scriptOf('/usr/bin/python3.11', ['python3', '-c', 'import x', 'arg'])).toBeUndefined();
  });

  it('reads node argv, skipping --require and its value, and finds the npm package', () => {
    expect(
      scriptOf(
        '/usr/bin/node',
        ['node', '--max-old-space-size=200', '-r', 'dotenv/config', 'node_modules/meshcentral', '--port', '443'],
        undefined,
        '/opt/mc',
      ),
    ).toEqual({ path: '/opt/mc/node_modules/meshcentral', name: 'meshcentral' });
    expect(scriptOf('/usr/bin/node', ['node', '/usr/lib/node_modules/localtunnel/bin/lt.js', '--port', '8000'])).toEqual({
      path: '/usr/lib/node_modules/localtunnel/bin/lt.js',
      name: 'lt.js',
      package: 'localtunnel',
    });
    expect(scriptOf('/usr/bin/node', ['node', '-e', 'require("x")'])).toBeUndefined();
  });

  it('reads shell scripts (noVNC launches through one) and falls back to comm when argv has no script', () => {
    expect(scriptOf('/usr/bin/dash', ['/bin/sh', '/usr/share/novnc/utils/novnc_proxy', '--vnc', 'localhost:5900'])).toEqual({
      path: '/usr/share/novnc/utils/novnc_proxy',
      name: 'novnc_proxy',
    });
    // a process that rewrote its title: argv is one string, the kernel still has the #! script's name
    expect(scriptOf('/usr/bin/python3.11', ['pagekite: running'], 'pagekite')).toEqual({ name: 'pagekite' });
    expect(scriptOf('/usr/bin/python3.11', ['python3'], 'python3')).toBeUndefined();
  });

  it('ignores programs that are not interpreters', () => {
    expect(interpreterOf('sshd')).toBeUndefined();
    expect(scriptOf('/usr/sbin/dropbear', ['/usr/sbin/dropbear', '-F', 'x'])).toBeUndefined();
    for (const n of ['python3', 'python3.11', 'python', 'pypy3', 'node', 'nodejs', 'bash', 'sh', 'perl', 'ruby3.1'])
      expect(interpreterOf(n), n).toBeDefined();
  });

  it('normalises paths and reads the package from where a script lives', () => {
    expect(normalizePath('/usr/local/bin/../lib/node_modules/localtunnel/bin/lt.js')).toBe(
      '/usr/local/lib/node_modules/localtunnel/bin/lt.js',
    );
    expect(packageOf('/x/node_modules/@scope/pkg/bin/cli.js')).toBe('@scope/pkg');
    expect(packageOf('/usr/lib/python3/dist-packages/websockify/websocketproxy.py')).toBe('websockify');
    expect(packageOf('/usr/bin/xpra')).toBeUndefined();
  });
});

describe('reference copies under the catalog install folders (class 8)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ratwatch-install-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('turns catalog path patterns into fixed install folders, per OS, and refuses broad ones', () => {
    expect(installDirOf('/usr/local/mesh_services/meshagent/*', 'linux')).toBe('/usr/local/mesh_services/meshagent');
    expect(installDirOf('/usr/local/mesh_services/meshagent/meshagent', 'linux')).toBe('/usr/local/mesh_services/meshagent');
    expect(installDirOf('/applications/anydesk.app/*', 'linux')).toBeUndefined();
    expect(installDirOf('/applications/anydesk.app/*', 'darwin')).toBe('/applications/anydesk.app');
    expect(installDirOf('/opt/*', 'linux')).toBeUndefined();
    expect(installDirOf('*/program files*/anydesk/*', 'windows')).toBeUndefined();
  });

  it('finds a copy in an install folder and one level below it, on real files', async () => {
    const install = join(root, 'mesh_services');
    mkdirSync(join(install, 'meshagent'), { recursive: true });
    writeFileSync(join(install, 'meshagent', 'meshagent'), 'x');
    writeFileSync(join(install, 'other'), 'y');
    const found = await findReferenceFiles(new RealRunner(), ['meshagent'], [install, join(root, 'not-installed')]);
    expect(found).toContain(join(install, 'meshagent', 'meshagent'));
    expect(found.some((p) => p.endsWith('/other'))).toBe(false);
  });
});
