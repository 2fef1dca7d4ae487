import { oneLine } from '../config/errors.ts';
import { readSafeFile, readSafeStdin } from '../config/safe-file.ts';
import { loadCatalog } from '../catalog/load.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Inventory } from '../model.ts';
import { loadPolicy, type Policy } from '../policy/index.ts';
import { InputError, parseInventory } from '../validate.ts';

const MAX_INVENTORY_BYTES = 256 * 1024 * 1024;

export function readInventoryFile(path: string): Inventory {
  let text: string;
  try {
    const buf =
      path === '-'
        ? readSafeStdin('inventory', MAX_INVENTORY_BYTES)
        : readSafeFile(path, { what: 'inventory', maxBytes: MAX_INVENTORY_BYTES });
    // Windows PowerShell 5.1 `Out-File -Encoding utf8` starts the file with a BOM
    text = buf.toString('utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new InputError(oneLine(e));
  }
  return parseInventory(text, path);
}

export function catalogFrom(path?: string): Catalog {
  return loadCatalog(path);
}

export function policyFrom(path?: string): Policy | undefined {
  return path ? loadPolicy(path) : undefined;
}
