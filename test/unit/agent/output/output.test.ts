import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../agent/scan.ts';
import { renderJamf, renderSummary } from '../../../../agent/output/summary.ts';
import { renderTable } from '../../../../agent/output/table.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

const many = Array.from({ length: 300 }, (_, i) =>
  tool(`tool-${String(i).padStart(3, '0')}`, { name: `Remote Tool Number ${i}`, packages: [`pkg${i}`] }),
);
const cat = catalog([...many, tool('evil', { name: 'Evil <b>&', packages: ['evil'] })]);
const now = new Date('2026-11-23T12:00:00Z');

describe('one-line outputs for MDM', () => {
  it('says clean when there is nothing, and names failed sources', () => {
    const r = evaluate(
      inventory('windows', {
        sources: [{ name: 'windows.processes', ok: false, error: 'powershell.exe not found', count: 0, durationMs: 1 }],
      }),
      cat,
      undefined,
      now,
    );
    expect(renderSummary(r)).toBe('ratwatch: clean; sources failed: windows.processes');
  });

  it('stays under the 2048-character limit Intune keeps of the last line, whatever the count', () => {
    const inv = inventory('linux', { packages: many.map((_t, i) => ({ name: `pkg${i}`, source: 'dpkg' as const })) });
    const line = renderSummary(evaluate(inv, cat, undefined, now));
    expect(line.length).toBeLessThan(2048);
    // 300 tools and the host signal that several remote tools are present at once
    expect(line).toMatch(/^ratwatch: 301 remote-access finding\(s\): .*Remote Tool Number 0 \[high\], /);
    expect(line).toMatch(/, \+\d+ more$/);
    expect(line).not.toContain('\n');
  });

  it('escapes markup in the Jamf extension attribute', () => {
    const r = evaluate(inventory('darwin', { packages: [{ name: 'evil', source: 'app' }] }), cat, undefined, now);
    expect(renderJamf(r)).toBe('<result>ratwatch: 1 remote-access finding(s): Evil &lt;b&gt;&amp; [high]</result>');
  });
});

describe('table', () => {
  it('lists findings with evidence and never prints a control character from the inventory', () => {
    const r = evaluate(
      inventory('linux', {
        host: { hostname: 'h\x1b]0;pwned\x07', os: 'linux', collectedAt: '2026-11-23T10:00:00Z', agentVersion: '0.1.0' },
        packages: [{ name: 'pkg7', version: '1.0\x1b[2J', source: 'dpkg' }],
      }),
      cat,
      undefined,
      now,
    );
    const out = renderTable(r, { color: false, width: 120 });
    expect(out).toContain('ratwatch scan of h\\x1b]0;pwned\\x07 (linux) at 2026-11-23T10:00:00Z');
    expect(out).toMatch(/high\s+finding\s+Remote Tool Number 7\s+remote-desktop\s+installed\s+package: pkg7 1\.0\\x1b\[2J \(dpkg\)/);
    expect(out).toContain('1 finding(s), 0 allowed, suppressed or informational.');
    expect(out.replace(/\n/g, '')).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  it('escapes source names and the collection time of a hostile inventory in the table and the one-line outputs', () => {
    const inv = inventory('linux', {
      host: { hostname: 'h', os: 'linux', collectedAt: '2026\x1b[2J\nforged line', agentVersion: '0.1.0' },
      sources: [
        { name: 'linux.ps\x1b]0;pwned\x07\nsource x failed', ok: false, error: 'e', count: 0, durationMs: 1 },
        { name: 'linux.rpm\r\n', ok: false, absent: true, count: 0, durationMs: 1 },
      ],
    });
    const r = evaluate(inv, cat, undefined, now);
    const table = renderTable(r, { color: false, width: 120 });
    expect(table).toContain('at 2026\\x1b[2J\\nforged line\n');
    expect(table).toContain('source linux.ps\\x1b]0;pwned\\x07\\nsource x failed failed: e\n');
    expect(table).toContain('not on this machine: linux.rpm\\r\\n\n');
    expect(table.replace(/\n/g, '')).not.toMatch(/[\x00-\x1f\x7f]/);
    for (const line of [renderSummary(r), renderJamf(r)]) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(renderSummary(r)).toBe('ratwatch: clean; sources failed: linux.ps\\x1b]0;pwned\\x07\\nsource x failed');
  });

  it('says so when nothing was found', () => {
    expect(renderTable(evaluate(inventory('linux'), cat, undefined, now), { color: false })).toContain('No remote-access software found.');
  });
});
