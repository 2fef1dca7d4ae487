import { describe, expect, it } from 'vitest';
import catalogSchema from '../../../../shared/schemas/catalog.schema.json' with { type: 'json' };
import findingSchema from '../../../../shared/schemas/finding.schema.json' with { type: 'json' };
import { CATEGORIES, FINDING_STATES, FINDING_STATUSES, SEVERITIES, STRENGTHS } from '../../../../agent/vocabulary.ts';

// The JSON Schemas restate the vocabulary for other programs; agent/vocabulary.ts is the one definition,
// and these keep the two in step.

describe('schemas and the vocabulary', () => {
  it('list the same categories, severities, statuses, states and strengths', () => {
    const tool = catalogSchema.$defs.tool.properties;
    expect(tool.category.enum).toEqual([...CATEGORIES]);
    expect(tool.category.errorText).toBe(`must be one of ${CATEGORIES.join(', ')}`);
    expect(findingSchema.properties.tool.properties.category.enum).toEqual([...CATEGORIES]);
    expect(findingSchema.properties.severity.enum).toEqual([...SEVERITIES]);
    expect(findingSchema.properties.status.enum).toEqual([...FINDING_STATUSES]);
    expect(findingSchema.properties.state.enum).toEqual([...FINDING_STATES]);
    expect(findingSchema.$defs.strength.enum).toEqual([...STRENGTHS]);
  });

  it('describe every evidence type once, discriminated by type', () => {
    const types = findingSchema.$defs.evidence.properties.type.enum;
    expect(findingSchema.$defs.evidence.oneOf.map((r) => r.$ref)).toEqual(types.map((t) => `#/$defs/${t}`));
    for (const t of types) {
      const def = (findingSchema.$defs as unknown as Record<string, { properties: { type: { const: string } }; required: string[] }>)[t];
      expect(def.properties.type.const).toBe(t);
      expect(def.required.slice(0, 2)).toEqual(['type', 'strength']);
    }
  });
});
