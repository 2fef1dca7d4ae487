import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { darwinPlatform } from '../../../../../agent/collectors/macos/index.ts';
import { parseInventory } from '../../../../../agent/validate.ts';
import { buildMacInventory, INVENTORY_DIR, MAC_INVENTORIES } from '../../../../fixtures/macos/make-inventories.ts';
import { loadMacFixture, macContext } from '../../../../fixtures/macos/replay.ts';

// The sources this suite owns; other darwin collectors (displays, context) bring their own fixtures.
const MINE = ['darwin.processes', 'darwin.apps', 'darwin.launchd', 'darwin.sockets', 'darwin.settings', 'darwin.codesign'];

describe('macOS inventories', () => {
  for (const { fixture, file, hostname } of MAC_INVENTORIES) {
    it(`${file} is what the collectors make of fixture ${fixture}, and matches the schema`, async () => {
      const saved = parseInventory(readFileSync(join(INVENTORY_DIR, file), 'utf8'), file);
      const fresh = await buildMacInventory(fixture, hostname);
      // a difference here means the collectors changed: rerun test/fixtures/macos/make-inventories.ts
      expect(saved).toEqual(JSON.parse(JSON.stringify(fresh)));
      expect(saved.host.os).toBe('darwin');
      for (const name of MINE) expect(saved.sources.find((s) => s.name === name)).toMatchObject({ ok: true });
    });
  }

  it('carries the evidence for each remote tool on the remote-tools Mac', async () => {
    const inv = parseInventory(readFileSync(join(INVENTORY_DIR, 'macos-anydesk.json'), 'utf8'), 'macos-anydesk.json');
    const bundleIds = inv.packages.map((p) => p.bundleId);
    expect(bundleIds).toEqual(
      expect.arrayContaining([
        'com.philandro.anydesk',
        'com.teamviewer.TeamViewer',
        'com.carriez.rustdesk',
        'com.splashtop.Splashtop-Streamer',
        'com.google.chrome_remote_desktop.remoting_me2me_host',
        'com.screenconnect.client.access',
      ]),
    );
    const services = inv.services.map((s) => s.name);
    expect(services).toEqual(
      expect.arrayContaining([
        'com.philandro.anydesk.service',
        'com.teamviewer.teamviewer_service',
        'com.carriez.RustDesk_service',
        'com.splashtop.streamer-daemon',
        'org.chromium.chromoting',
        'connectwisecontrol-5e7b1a9c3f2d4e81',
      ]),
    );
    const teamIds = new Set(inv.processes.map((p) => p.identity?.teamId).filter(Boolean));
    expect([...teamIds].sort()).toEqual(['CPQQ3AW49Y', 'EQHXZ8M8AV', 'H7UGFBUGV6', 'HZF9JMC8YN', 'KHRWM533LU']);
    expect(inv.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['remoting_me2me_host', 'TeamViewer_Service', 'AnyDesk']));
    expect(inv.settings.find((s) => s.key === 'screensharing.enabled')?.value).toBe(true);
    expect(inv.sockets.some((s) => s.localPort === 5900 && s.state === 'LISTEN')).toBe(true);
  });

  it('carries no remote tool evidence on the corporate Mac', async () => {
    const inv = parseInventory(readFileSync(join(INVENTORY_DIR, 'macos-clean.json'), 'utf8'), 'macos-clean.json');
    expect(inv.settings.every((s) => s.value === false)).toBe(true);
    expect(inv.packages.map((p) => p.bundleId).sort()).toEqual([
      'com.1password.1password',
      'com.apple.ActivityMonitor',
      'com.apple.Safari',
      'com.apple.Terminal',
      'com.apple.calculator',
      'com.google.Chrome',
      'com.microsoft.Excel',
      'com.microsoft.Outlook',
      'com.microsoft.Word',
      'com.microsoft.teams2',
      'com.tinyspeck.slackmacgap',
      'us.zoom.xos',
    ]);
  });

  it('records each failing source with one line and keeps the rest', async () => {
    const inv = await collectInventory(darwinPlatform, macContext(loadMacFixture('failing-sources')), { hostname: 'mac-3' });
    expect(inv.sources.filter((s) => MINE.includes(s.name)).map((s) => [s.name, s.ok, s.error ?? ''])).toEqual([
      ['darwin.processes', true, ''],
      ['darwin.apps', true, ''],
      ['darwin.launchd', true, ''],
      ['darwin.sockets', false, '/usr/sbin/lsof: ETIMEDOUT'],
      ['darwin.settings', true, ''],
      ['darwin.codesign', false, 'codesign failed for all 4 paths: /usr/bin/codesign not found'],
    ]);
    expect(inv.processes).toHaveLength(4);
    expect(inv.settings.find((s) => s.key === 'remote-management.enabled')?.value).toBe(true);
  });
});
