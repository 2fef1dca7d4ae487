import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { validateCatalogSchema } from '../../../../agent/catalog/catalog-validator.generated.js';
import { CATALOG_GENERATED, catalogValidatorSource } from '../../../../scripts/gen-validators.ts';
import { ROOT } from '../../../helpers/paths.ts';

// The catalog schema ships precompiled (agent/catalog/catalog-validator.generated.js), so a scan carries
// no ajv compiler. It must be what the schema compiles to today and answer like ajv compiling it at run time.

const schema = JSON.parse(readFileSync(`${ROOT}/shared/schemas/catalog.schema.json`, 'utf8'));
const builtIn = JSON.parse(readFileSync(`${ROOT}/shared/catalog/catalog.json`, 'utf8'));
type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default?: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);

describe('precompiled catalog validator', () => {
  it('is up to date with shared/schemas/catalog.schema.json (run `npx tsx scripts/gen-validators.ts` when this fails)', () => {
    expect(readFileSync(CATALOG_GENERATED, 'utf8') === catalogValidatorSource()).toBe(true);
  });

  it('accepts and refuses what run-time ajv does, with the same first error', () => {
    const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'errorText', schemaType: ['string', 'object'] });
    const runtime = ajv.compile(schema);
    const tool = builtIn.tools[0];
    const cases: unknown[] = [
      builtIn,
      { ...builtIn, schema: 'other' },
      { ...builtIn, tools: [{ ...tool, id: 'Bad Id' }] },
      { ...builtIn, tools: [{ ...tool, category: 'nope' }] },
      { ...builtIn, tools: [{ ...tool, processes: { linux: [] } }] },
      { ...builtIn, tools: [{ ...tool, ports: [70000] }] },
      { ...builtIn, tools: 'x' },
      { ...builtIn, sources: 'x' },
      null,
      [],
    ];
    let refused = 0;
    for (const c of cases) {
      const ok = validateCatalogSchema(c);
      expect(ok).toBe(runtime(c));
      if (!ok) {
        refused++;
        expect(validateCatalogSchema.errors?.[0]).toEqual(runtime.errors?.[0]);
      }
    }
    expect(refused).toBe(cases.length - 1);
  });
});
