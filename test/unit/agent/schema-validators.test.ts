import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { checkInventory, InputError } from '../../../agent/validate.ts';
import { GENERATED, generatedSource } from '../../../scripts/gen-validators.ts';
import { ROOT } from '../../helpers/paths.ts';

// The inventory schema ships precompiled (agent/schema-validators.generated.ts). It must be what the
// schemas compile to today, and answer like ajv compiling them at run time.

const schema = (n: string) => JSON.parse(readFileSync(join(ROOT, 'shared/schemas', `${n}.schema.json`), 'utf8'));
type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default?: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);

describe('precompiled schema validators', () => {
  it('are up to date with shared/schemas (run `npx tsx scripts/gen-validators.ts` when this fails)', () => {
    expect(readFileSync(GENERATED, 'utf8') === generatedSource()).toBe(true);
  });

  it('accept and refuse what run-time ajv does, with the same first error', () => {
    const ajv = new Ajv2020({ allErrors: false, strict: false });
    ajv.addSchema(schema('finding'));
    ajv.addSchema(schema('inventory'));
    const runtime = ajv.getSchema(schema('inventory').$id)!;
    const dir = join(ROOT, 'test/fixtures/inventories');
    const cases: unknown[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const inv = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      cases.push(
        inv,
        { ...inv, schema: 'other' },
        { ...inv, processes: [{ pid: 'x' }] },
        { ...inv, extra: 1 },
        { ...inv, host: {} },
        null,
        [],
      );
    }
    let refused = 0;
    for (const c of cases) {
      const ok = runtime(c);
      let mine: string | undefined;
      try {
        checkInventory(c, 'x');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        mine = (e as Error).message;
      }
      expect(mine === undefined).toBe(ok);
      if (!ok) {
        refused++;
        const first = runtime.errors![0];
        expect(mine).toContain(first.instancePath || '(top level)');
        expect(mine).toContain(first.message);
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});
