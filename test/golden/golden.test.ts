import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkScanResult } from '../../agent/validate.ts';
import { goldenCases, goldenFindings } from './golden.ts';

// A failure here means the findings for a saved laptop changed: if that is intended, run `npm run golden`
// and review the diff of test/golden/*.findings.json.

describe('golden inventories', () => {
  const cases = goldenCases();
  it('cover Linux, Windows and macOS', () => {
    const os = new Set(cases.map((c) => JSON.parse(readFileSync(c.inventory, 'utf8')).host.os));
    expect([...os].sort()).toEqual(['darwin', 'linux', 'windows']);
  });
  for (const c of cases) {
    it(`${c.name} gives the committed findings`, () => {
      expect(existsSync(c.expected), `${c.expected} is missing: run npm run golden`).toBe(true);
      const got = goldenFindings(c.inventory);
      expect(got).toEqual(JSON.parse(readFileSync(c.expected, 'utf8')));
      // and what the engine makes matches the published schema
      expect(() =>
        checkScanResult({
          schema: 'ratwatch.scan/2',
          scanId: 'golden',
          host: { hostname: 'h', os: 'linux', collectedAt: '2026-12-01T00:00:00Z', agentVersion: '0' },
          context: {},
          sources: [],
          counts: { processes: 0, packages: 0, services: 0, sockets: 0, devices: 0, settings: 0 },
          catalog: { tools: 1, generatedAt: '2026-12-01T00:00:00Z' },
          findings: got,
        }),
      ).not.toThrow();
    });
  }
});
