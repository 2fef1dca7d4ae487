import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { reportSchemaProblem } from '../../../../server/ingest/validate.ts';
import { REPORT_GENERATED, reportValidatorSource } from '../../../../scripts/gen-validators.ts';
import { finding, SimAgent } from '../../../helpers/server/reports.ts';
import { ROOT } from '../../../helpers/paths.ts';

// The server checks reports with shared/schemas/report.schema.json compiled ahead of time
// (server/ingest/report-validator.generated.ts). It must be what the schema compiles to today, and accept and
// refuse exactly what ajv compiling the schema at run time does, with the same first error.

type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default?: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);
const schema = JSON.parse(readFileSync(join(ROOT, 'shared/schemas/report.schema.json'), 'utf8'));

function reports(): Array<Record<string, unknown>> {
  const a = new SimAgent('agent-1', 'laptop-1', { timezone: 'Europe/Berlin', defaultGatewayMac: '02:00:00:00:00:01' });
  const at = new Date('2026-12-01T10:00:00Z');
  const full = a.next([finding('anydesk:1'), finding('ngrok:1', { state: 'running' } as never)], at);
  const delta = a.next([finding('anydesk:1')], new Date(at.getTime() + 3600_000));
  const heartbeat = a.next([finding('anydesk:1')], new Date(at.getTime() + 7200_000));
  return [full, delta, heartbeat].map((r) => JSON.parse(JSON.stringify(r)));
}

function variants(r: Record<string, unknown>): unknown[] {
  const f = (r.findings as Array<Record<string, unknown>>)[0];
  return [
    r,
    { ...r, schema: 'ratwatch.report/9' },
    { ...r, reportId: 'not-a-uuid' },
    { ...r, agentId: '../etc' },
    { ...r, agentId: 'x'.repeat(200) },
    { ...r, kind: 'partial' },
    { ...r, sequence: -1 },
    { ...r, sequence: 1.5 },
    { ...r, sentAt: 'x'.repeat(65) },
    { ...r, host: {} },
    { ...r, host: { ...(r.host as object), hostname: 'h'.repeat(256) } },
    { ...r, host: { ...(r.host as object), hostname: '🐀'.repeat(200) } }, // 200 code points, 400 UTF-16 units: fine
    { ...r, findings: 'none' },
    { ...r, findings: [{ ...f, severity: 'apocalyptic' }] },
    { ...r, findings: [{ ...f, tool: {} }] },
    { ...r, resolved: [{}] },
    { ...r, extra: 1 },
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'context')),
    null,
    [],
    'report',
    42,
  ];
}

describe('the precompiled report validator', () => {
  it('is up to date with shared/schemas/report.schema.json (run `npx tsx scripts/gen-validators.ts` when this fails)', () => {
    expect(readFileSync(REPORT_GENERATED, 'utf8') === reportValidatorSource()).toBe(true);
  });

  it('accepts and refuses what run-time ajv does, with the same first error', () => {
    const runtime = new Ajv2020({ allErrors: false, strict: false }).compile(schema);
    const cases = reports().flatMap(variants);
    let accepted = 0;
    let refused = 0;
    for (const c of cases) {
      const ok = runtime(c);
      const problem = reportSchemaProblem(c);
      if (ok) {
        accepted++;
        expect(problem).toBeUndefined();
      } else {
        refused++;
        const first = runtime.errors![0];
        expect(problem).toBe(`${first.instancePath || '(top level)'} ${first.message}`);
      }
    }
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(refused).toBeGreaterThan(40);
  });

  it('refuses a sentAt that is not a date, which the schema alone allows', () => {
    const [r] = reports();
    expect(reportSchemaProblem({ ...r, sentAt: 'yesterday' })).toBe('/sentAt is not a date');
  });
});
