import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { darwinUsb, parseSpUsb, SYSTEM_PROFILER, usbHexId } from '../../../../../agent/collectors/macos/usb.ts';
import type { CollectorContext } from '../../../../../agent/collectors/types.ts';
import { SourceAbsent } from '../../../../../agent/collectors/types.ts';
import { loadCatalog } from '../../../../../agent/catalog/load.ts';
import { detect } from '../../../../../agent/engine/detect.ts';
import { hostSignals } from '../../../../../agent/engine/signals.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { inventory } from '../../../../helpers/builders.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'macos');
const ctx = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const LEGACY = `${SYSTEM_PROFILER} SPUSBDataType -json`;
const HOST = `${SYSTEM_PROFILER} SPUSBHostDataType -json`;
const collect = async (dir: string) => (await darwinUsb.collect(ctx(loadReplayDir(join(FIX, dir))))).devices ?? [];

describe('darwin.usb', () => {
  it('reads the PiKVM gadget from SPUSBDataType, vendor name suffix and all, without guessing a kind', async () => {
    const runner = loadReplayDir(join(FIX, 'usb-pikvm'));
    const { devices } = await darwinUsb.collect(ctx(runner));
    expect(runner.calls).toEqual([LEGACY]);
    expect(devices).toEqual([
      {
        bus: 'usb',
        vendorId: '1d6b',
        productId: '0104',
        manufacturer: 'PiKVM',
        product: 'PiKVM Composite Device',
        serial: 'CAFEBABE',
        path: 'system_profiler SPUSBDataType 0x00100000',
      },
    ]);
  });

  it('falls back to SPUSBHostDataType when SPUSBDataType is empty (macOS 26) and walks through the hub', async () => {
    const runner = loadReplayDir(join(FIX, 'usb-nanokvm'));
    const { devices } = await darwinUsb.collect(ctx(runner));
    expect(runner.calls).toEqual([LEGACY, HOST]);
    expect(devices).toEqual([
      // "Not Provided" is system_profiler's way of saying there is no serial
      {
        bus: 'usb',
        vendorId: '2109',
        productId: '2817',
        manufacturer: 'VIA Labs, Inc.',
        product: 'USB2.0 Hub',
        path: 'system_profiler SPUSBHostDataType 0x01100000',
      },
      {
        bus: 'usb',
        vendorId: '3346',
        productId: '1009',
        manufacturer: 'sipeed',
        product: 'NanoKVM',
        serial: '0123456789ABCDEF',
        path: 'system_profiler SPUSBHostDataType 0x01110000',
      },
    ]);
  });

  it('reads an Intel MacBook: receiver, Bluetooth behind its hub, and the internal keyboard/trackpad as a pointer by its name', async () => {
    expect(await collect('usb-laptop')).toEqual([
      {
        bus: 'usb',
        vendorId: '046d',
        productId: 'c52b',
        manufacturer: 'Logitech',
        product: 'USB Receiver',
        path: 'system_profiler SPUSBDataType 0x14200000',
      },
      {
        bus: 'usb',
        vendorId: '0a5c',
        productId: '4500',
        manufacturer: 'Apple Inc.',
        product: 'BRCM20702 Hub',
        path: 'system_profiler SPUSBDataType 0x14300000',
      },
      {
        bus: 'usb',
        vendorId: '05ac',
        productId: '8290',
        manufacturer: 'Broadcom Corp.',
        product: 'Bluetooth USB Host Controller',
        path: 'system_profiler SPUSBDataType 0x14330000',
      },
      {
        bus: 'usb',
        vendorId: '05ac',
        productId: '0272',
        manufacturer: 'Apple Inc.',
        product: 'Apple Internal Keyboard / Trackpad',
        kind: 'pointer',
        path: 'system_profiler SPUSBDataType 0x14400000',
      },
    ]);
  });

  it('bounds the walk, skips junk nodes, escapes hostile names and marks storage by its Media', () => {
    let deep: Record<string, unknown> = { _name: 'too deep', vendor_id: '0x1234', product_id: '0x0001' };
    for (let i = 0; i < 20; i++) deep = { _name: 'hub', _items: [deep] };
    const doc = {
      SPUSBDataType: [
        {
          _name: 'USB31Bus',
          _items: [
            null,
            7,
            'x',
            [],
            { _name: 'Evil\u001b[2J Mouse', vendor_id: '0xabcd', product_id: 'zzz' },
            {
              _name: 'Ultra',
              vendor_id: '0x0781  (SanDisk Corporation)',
              product_id: '0x5581',
              Media: [{ _name: 'Ultra', bsd_name: 'disk4' }],
            },
            deep,
          ],
        },
      ],
    };
    expect(parseSpUsb(JSON.stringify(doc), 'SPUSBDataType').devices).toEqual([
      { bus: 'usb', vendorId: 'abcd', product: 'Evil\\x1b[2J Mouse', kind: 'pointer', path: 'system_profiler SPUSBDataType' },
      { bus: 'usb', vendorId: '0781', productId: '5581', product: 'Ultra', kind: 'storage', path: 'system_profiler SPUSBDataType' },
    ]);
    expect(usbHexId('0x1d6b  (Linux Foundation)')).toBe('1d6b');
    expect(usbHexId('0x5ac')).toBe('05ac');
    expect(usbHexId('0x12345')).toBeUndefined();
  });

  it('fails in one line when system_profiler is missing or prints malformed JSON', async () => {
    const run = (commands: Record<string, string | { code: number; stderr: string }>) =>
      darwinUsb.collect(ctx(new ReplayRunner({ commands })));
    const missing = (await run({}).catch((e: unknown) => e)) as Error;
    expect(missing).toBeInstanceOf(SourceAbsent);
    expect(missing.message).toBe(`${SYSTEM_PROFILER} not found`);
    await expect(run({ [LEGACY]: '{"SPUSBDataType" : [ {"_name" : ' })).rejects.toThrow(
      /^system_profiler SPUSBDataType printed something other than JSON$/,
    );
    await expect(run({ [LEGACY]: '{\n  "SPUSBDataType" : [ ]\n}\n', [HOST]: '<?xml version="1.0"?>' })).rejects.toThrow(
      /^system_profiler SPUSBHostDataType printed something other than JSON$/,
    );
    await expect(run({ [LEGACY]: '', [HOST]: '{"SPUSBHostDataType": {}}' })).rejects.toThrow(
      /^system_profiler SPUSBHostDataType: no SPUSBHostDataType array$/,
    );
    // a Mac with no USB bus at all (a VM) on either data type
    expect((await run({ [LEGACY]: '{}', [HOST]: '{\n  "SPUSBHostDataType" : [ ]\n}\n' })).devices).toEqual([]);
  });
});

describe('darwin.usb with the real catalog', () => {
  const catalog = loadCatalog();
  const findings = async (dir: string) => {
    const inv = inventory('darwin', { devices: await collect(dir) });
    return { inv, found: detect(inv, catalog).map((f) => [f.tool.id, f.severity]) };
  };

  it('finds the PiKVM and the NanoKVM at critical, and nothing on the ordinary laptop', async () => {
    expect((await findings('usb-pikvm')).found).toEqual([['pikvm', 'critical']]);
    expect((await findings('usb-nanokvm')).found).toEqual([['nanokvm', 'critical']]);
    const { inv, found } = await findings('usb-laptop');
    expect(found).toEqual([]);
    // the receiver's name does not say "mouse", so only the trackpad counts: no pointing-device signal here
    expect(hostSignals(inv, [])).toEqual([]);
  });
});
