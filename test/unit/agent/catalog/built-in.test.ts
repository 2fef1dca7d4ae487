import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { validateCatalog } from '../../../../agent/catalog/validate.ts';

// The agent trusts its built-in catalog without running the schema on each start; this is the check it
// relies on: the committed catalog passes the full schema, and what the agent loads is what that check returns.

describe('built-in catalog', () => {
  it('passes the full schema check, and loads as exactly what that check returns', () => {
    const raw = JSON.parse(readFileSync(join(import.meta.dirname, '../../../../shared/catalog/catalog.json'), 'utf8'));
    const checked = validateCatalog(raw, 'shared/catalog/catalog.json');
    expect(checked.tools.length).toBeGreaterThan(100);
    expect(loadCatalog()).toEqual(checked);
  });
});
