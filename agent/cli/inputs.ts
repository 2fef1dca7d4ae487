import { readFileSync } from 'node:fs';
import { loadCatalog } from '../catalog/load.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Inventory } from '../model.ts';
import { loadPolicy, type Policy } from '../policy/index.ts';
import { InputError, parseInventory } from '../validate.ts';

const MAX_INVENTORY_BYTES = 256 * 1024 * 1024;

export function readInventoryFile(path: string): Inventory {
  let text: string;
  try {
    const buf = readFileSync(path === '-' ? 0 : path);
    if (buf.length > MAX_INVENTORY_BYTES) throw new InputError(`inventory ${path}: larger than ${MAX_INVENTORY_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`inventory ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseInventory(text, path);
}

export function catalogFrom(path?: string): Catalog {
  return loadCatalog(path);
}

export function policyFrom(path?: string): Policy | undefined {
  return path ? loadPolicy(path) : undefined;
}
