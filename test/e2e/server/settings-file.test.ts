import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, startServer } from '../../../server/app.ts';
import { readSettingsFile } from '../../../server/settings-file.ts';
import { ROOT } from '../../helpers/cli.ts';
import { cleanupDatabases, freshDatabase } from '../../helpers/server/stores.ts';

// `--settings file.json` and the checks at start: a bad farm setting or notifier is one line, before serving.

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-settings-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanupDatabases();
});
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('settings file', { timeout: 120_000 }, () => {
  it('reads farm settings and notifiers, and names what is wrong in one line', () => {
    const ok = readSettingsFile(
      file(
        'ok.json',
        JSON.stringify({
          farm: { office: { cidrs: ['198.51.100.0/24'] } },
          notifiers: [{ type: 'slack', url: 'https://hooks.example/x' }],
        }),
      ),
    );
    expect(ok.farm?.office?.cidrs).toEqual(['198.51.100.0/24']);
    expect(ok.notifiers).toHaveLength(1);
    expect(() => readSettingsFile(file('bad.json', '{"farm":'))).toThrow(/^settings file .*bad\.json: not JSON \(/);
    expect(() => readSettingsFile(file('key.json', '{"farms":{}}'))).toThrow(/unknown key "farms" \(farm, notifiers, siem\)$/);
    expect(() => readSettingsFile(join(dir, 'missing.json'))).toThrow(/^settings file .*missing\.json: ENOENT/);
  });

  it('ratwatch-server names a hostile settings file in one escaped line on stderr and exits 2', () => {
    // the path and the text both carry a newline and ANSI escapes: neither may start or colour a line
    const evil = file('evil\n\u001b[2Jforged line.json', '{"farm": \u001b[31m}');
    const r = spawnSync(process.execPath, ['--import', 'tsx', `${ROOT}server/main.ts`, '--settings', evil, '--data', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2); // one line and its newline
    expect(lines[0]).toMatch(/^ratwatch-server: settings file .*evil\\n\\x1b\[2Jforged line\.json: not JSON \(.*\\x1b/);
  });

  it('refuses to start with a bad office network or notifier', async () => {
    const db = await freshDatabase('sqlite');
    const base = defaultConfig({ dataDir: db.dataDir, host: '127.0.0.1', port: 0, tls: 'none', log: () => undefined });
    await expect(startServer({ ...base, farm: { office: { cidrs: ['300.1.1.1/8'], gatewayMacs: [], bssids: [] } } })).rejects.toThrow(
      /^farm settings: farm\.office\.cidrs/,
    );
    await expect(startServer({ ...base, notifiers: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', secret: 'short' }] })).rejects.toThrow(
      /secret/,
    );
  });
});
