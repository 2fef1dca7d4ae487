import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkInventory } from '../../../../../agent/validate.ts';
import { WINDOWS_CASES, buildWindowsInventory, inventoryPath, type WindowsCase } from '../../../../fixtures/windows/make-inventories.ts';

// The saved Windows inventories (input to `ratwatch scan --inventory`) must be what the collectors build
// from the fixtures today; regenerate them with `npx tsx test/fixtures/windows/make-inventories.ts`.

describe('saved Windows inventories', () => {
  for (const name of Object.keys(WINDOWS_CASES) as WindowsCase[]) {
    it(`${name}.json is what the Windows platform builds from its fixture, and is schema-valid`, async () => {
      const built = await buildWindowsInventory(name);
      const saved = checkInventory(JSON.parse(readFileSync(inventoryPath(name), 'utf8')), inventoryPath(name));
      expect({ ...saved, host: { ...saved.host, agentVersion: '' } }).toEqual({ ...built, host: { ...built.host, agentVersion: '' } });
      expect(saved.sources.every((s) => s.ok)).toBe(true);
    });
  }

  it('windows-anydesk shows the renamed AnyDesk by its PE name and signer', () => {
    const inv = checkInventory(JSON.parse(readFileSync(inventoryPath('windows-anydesk'), 'utf8')), 'windows-anydesk');
    expect(inv.processes.find((p) => p.name === 'notepad2.exe')?.identity).toMatchObject({
      pe: { originalFilename: 'AnyDesk.exe' },
      signer: 'philandro Software GmbH',
    });
  });
});
