import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../agent/collect.ts';
import { linuxRpm } from '../../../agent/collectors/linux/packages-rpm.ts';
import { linuxSystemd } from '../../../agent/collectors/linux/services-systemd.ts';
import type { Collector, Platform } from '../../../agent/collectors/types.ts';
import { loadReplayDir, ReplayRunner } from '../../helpers/replay-runner.ts';
import { checkInventory } from '../../../agent/validate.ts';
import { ROOT } from '../../helpers/cli.ts';

// The orchestrator: every source is accounted for, as ok, incomplete, absent or failed, and one source's
// trouble never costs the others their results.

const broken: Collector = {
  name: 'linux.broken',
  async collect() {
    throw new Error('permission denied reading /proc/net/tcp\nsecond line that must not show');
  },
};

function platform(collectors: Collector[]): Platform {
  return { os: 'linux', collectors, enrichers: [] };
}

describe('collectInventory', () => {
  it('records ok, incomplete, absent and failed sources, and keeps what the working ones found', async () => {
    const runner = loadReplayDir(join(ROOT, 'test/fixtures/linux/systemd-debian'));
    const inv = await collectInventory(
      platform([linuxSystemd, linuxRpm, broken]),
      { runner, hints: { executableNames: [] }, allowProbes: false },
      { hostname: 'h' },
    );
    checkInventory(inv, 'collected');
    const byName = Object.fromEntries(inv.sources.map((s) => [s.name, s]));
    expect(byName['linux.systemd']).toMatchObject({ ok: true });
    expect(byName['linux.systemd'].warnings).toEqual([
      expect.stringMatching(/^unit states unknown: systemctl list-units failed: System has not been booted with systemd/),
    ]);
    expect(byName['linux.rpm']).toMatchObject({ ok: false, absent: true, error: 'rpm not found', count: 0 });
    expect(byName['linux.broken']).toMatchObject({ ok: false, error: 'permission denied reading /proc/net/tcp', count: 0 });
    expect(byName['linux.broken'].absent).toBeUndefined();
    expect(inv.services.length).toBe(byName['linux.systemd'].count - inv.settings.length);
    expect(inv.services.length).toBeGreaterThan(10);
  });

  it('runs every source even when none can read anything', async () => {
    const inv = await collectInventory(platform([linuxSystemd, linuxRpm]), {
      runner: new ReplayRunner({}),
      hints: { executableNames: [] },
      allowProbes: false,
    });
    expect(inv.sources.map((s) => [s.name, s.ok, s.absent])).toEqual([
      ['linux.systemd', false, true],
      ['linux.rpm', false, true],
    ]);
  });
});
