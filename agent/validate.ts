import type { ErrorObject } from 'ajv';
import type { Inventory, ScanResult } from './model.ts';
import { upgradeScanResult } from './report/upgrade.ts';
import { oneLine } from './vocabulary.ts';
import { validateInventory, validateScan } from './schema-validators.generated.ts';

// The JSON Schemas in shared/schemas are the published contract; input files are checked against
// them so a hand-edited or truncated inventory gets one clear line instead of a crash deep in the engine.
// The validators are compiled ahead of time (scripts/gen-validators.ts): no schema compilation per run.

interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'does not match the schema';
  const where = err.instancePath || '(top level)';
  const extra = err.keyword === 'additionalProperties' ? ` (${(err.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${where} ${err.message ?? 'is invalid'}${extra}`;
}

export function checkInventory(data: unknown, origin: string): Inventory {
  const v = validateInventory as Validator;
  if (!v(data)) throw new InputError(`inventory ${origin}: ${describe(v.errors?.[0])}`);
  return data as Inventory;
}

/** A scan result of this version, or of version 1 read as this version. */
export function checkScanResult(data: unknown): ScanResult {
  const v = validateScan as Validator;
  data = upgradeScanResult(data);
  if (!v(data)) throw new InputError(`scan result: ${describe(v.errors?.[0])}`);
  return data as ScanResult;
}

export function parseInventory(text: string, origin: string): Inventory {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`inventory ${origin}: not JSON (${oneLine(e, 200)})`);
  }
  return checkInventory(data, origin);
}
