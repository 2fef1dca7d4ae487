import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIELDS } from '../../../agent/config/fields.ts';
import { ROOT, ratwatchAsync, type CliRun } from '../../helpers/cli.ts';

// Random inventories, policies and configs through the real CLI. Whatever the input: exit 0, 1 or 2,
// a refusal is one line, stderr carries no raw control byte, no run outlives its time limit, and the heap
// is capped (an unbounded read would die with an out-of-memory exit instead). Few runs, spawned in
// parallel, so CI stays fast; the seed is printed so a failure replays.
const SEED = Number(process.env.RATWATCH_FUZZ_SEED ?? Date.now() % 1_000_000);
const RUNS = Number(process.env.RATWATCH_FUZZ_RUNS ?? 2); // per kind
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CLEAN = join(ROOT, 'test/fixtures/inventories/windows-clean.json');
const base = JSON.parse(readFileSync(CLEAN, 'utf8')) as Record<string, unknown>;

const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u0000', '\u001b', '\u0007', '\n', '\r', '\u202e', '\u009b', '*', '/', '\\', '&', '!', ':'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

/** Replaces a random leaf of a JSON value with hostile text or a random JSON value. */
function mutate(value: unknown, path: number[], leaf: unknown): unknown {
  if (Array.isArray(value) && value.length) {
    const i = path[0] % value.length;
    return value.map((v, j) => (j === i ? mutate(v, path.slice(1), leaf) : v));
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (!keys.length) return leaf;
    const k = keys[path[0] % keys.length];
    return { ...(value as object), [k]: path.length > 1 ? mutate((value as Record<string, unknown>)[k], path.slice(1), leaf) : leaf };
  }
  return leaf;
}

const inventoryText = fc.oneof(
  fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.oneof(hostile, fc.jsonValue()))
    .map(([p, leaf]) => JSON.stringify(mutate(base, p, leaf))),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  hostile.map((s) => `\ufeff${s}`),
);

const policyText = fc.oneof(
  fc
    .record({
      version: fc.constantFrom(1, 2, 'x'),
      allow: fc.array(
        fc.record(
          {
            tool: fc.oneof(fc.constantFrom('anydesk', 'teamviewer'), hostile),
            path: fc.array(fc.oneof(fc.constant('/**/**/**/**/x'), hostile), { maxLength: 3 }),
          },
          { requiredKeys: ['tool'] },
        ),
        { maxLength: 3 },
      ),
    })
    .map((o) => YAML.stringify(o)),
  hostile,
  fc.constant('a: &a [x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n'),
  hostile.map((s) => `allow: !${s.replace(/\s/g, '')} x\n`),
);

const configText = fc.oneof(
  fc
    .dictionary(
      fc.constantFrom(...FIELDS.filter((f) => !f.key.includes('.')).map((f) => f.key)),
      fc.oneof(hostile, fc.integer(), fc.boolean()),
      { maxKeys: 3 },
    )
    .map((o) => YAML.stringify(o)),
  hostile,
  hostile.map((s) => `schedule: !tag${s.replace(/\s/g, '')} "0 * * * *"\n`),
);

function check(r: CliRun, what: string): void {
  expect([0, 1, 2], `${what}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  const lines = r.stderr.split('\n').filter(Boolean);
  if (r.code === 2) expect(lines, what).toHaveLength(1);
  for (const l of lines) expect(l, what).toMatch(/^ratwatch: /);
}

describe('fuzzing the CLI with random inputs', () => {
  it('exits 0, 1 or 2 with at most one clean line per problem, within bounded time and memory', async () => {
    console.log(`fuzz seed ${SEED} (RATWATCH_FUZZ_SEED to replay)`);
    const opts = { seed: SEED, numRuns: RUNS };
    const cases: { what: string; args: string[] }[] = [];
    fc.sample(inventoryText, opts).forEach((t, i) => {
      writeFileSync(join(dir, `inv${i}.json`), t);
      cases.push({
        what: `inventory ${JSON.stringify(t.slice(0, 200))}`,
        args: ['scan', '--inventory', join(dir, `inv${i}.json`), '--json'],
      });
    });
    fc.sample(policyText, opts).forEach((t, i) => {
      writeFileSync(join(dir, `policy${i}.yaml`), t);
      cases.push({
        what: `policy ${JSON.stringify(t.slice(0, 200))}`,
        args: ['scan', '--inventory', CLEAN, '--policy', join(dir, `policy${i}.yaml`)],
      });
    });
    fc.sample(configText, opts).forEach((t, i) => {
      writeFileSync(join(dir, `config${i}.yaml`), t);
      cases.push({
        what: `config ${JSON.stringify(t.slice(0, 200))}`,
        args: ['scan', '--inventory', CLEAN, '--config', join(dir, `config${i}.yaml`), '--format', 'summary'],
      });
    });
    const env = { NODE_OPTIONS: '--max-old-space-size=256', RATWATCH_CONFIG: '' };
    // Three at a time: a CI runner has two cores
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      const results = await Promise.all(batch.map((c) => ratwatchAsync(c.args, { env, timeoutMs: 150_000 })));
      for (const [j, r] of results.entries()) check(r, batch[j].what);
    }
  }, 600_000);
});
