import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import findingSchema from '../shared/schemas/finding.schema.json' with { type: 'json' };
import inventorySchema from '../shared/schemas/inventory.schema.json' with { type: 'json' };
import scanSchema from '../shared/schemas/scan-result.schema.json' with { type: 'json' };
import type { Inventory, ScanResult } from './model.ts';
import { upgradeScanResult } from './report/upgrade.ts';
import { oneLine } from './vocabulary.ts';

// The JSON Schemas in shared/schemas are the published contract; input files are checked against
// them so a hand-edited or truncated inventory gets one clear line instead of a crash deep in the engine.

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

// ajv ships CommonJS; under ESM its class arrives as the default export's default
type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default?: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);
let ajv: InstanceType<AjvClass> | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(name: 'inventory' | 'scan'): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: false, strict: false });
    ajv.addSchema(findingSchema);
    ajv.addSchema(inventorySchema);
  }
  const known = compiled.get(name);
  if (known) return known;
  const v = name === 'inventory' ? ajv.getSchema(inventorySchema.$id)! : ajv.compile(scanSchema);
  compiled.set(name, v);
  return v;
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'does not match the schema';
  const where = err.instancePath || '(top level)';
  const extra = err.keyword === 'additionalProperties' ? ` (${(err.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${where} ${err.message ?? 'is invalid'}${extra}`;
}

export function checkInventory(data: unknown, origin: string): Inventory {
  const v = validator('inventory');
  if (!v(data)) throw new InputError(`inventory ${origin}: ${describe(v.errors?.[0])}`);
  return data as Inventory;
}

/** A scan result of this version, or of version 1 read as this version. */
export function checkScanResult(data: unknown): ScanResult {
  const v = validator('scan');
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
