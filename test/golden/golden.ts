import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../agent/catalog/load.ts';
import type { Finding } from '../../agent/model.ts';
import { evaluate } from '../../agent/scan.ts';
import { parseInventory } from '../../agent/validate.ts';

// Golden inventories: saved inventories of Linux, Windows and macOS laptops (test/fixtures/inventories)
// and the findings the real catalog gives for them, committed next to them as <name>.findings.json.

const here = path.dirname(fileURLToPath(import.meta.url));
const INVENTORIES = path.join(here, '../fixtures/inventories');

export function goldenCases(): { name: string; inventory: string; expected: string }[] {
  return readdirSync(INVENTORIES)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.findings.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ''),
      inventory: path.join(INVENTORIES, f),
      expected: path.join(here, f.replace(/\.json$/, '.findings.json')),
    }));
}

export function goldenFindings(file: string): Finding[] {
  const inv = parseInventory(readFileSync(file, 'utf8'), file);
  return evaluate(inv, loadCatalog(), undefined, new Date('2026-12-01T00:00:00Z'), '00000000-0000-4000-8000-000000000000').findings;
}
