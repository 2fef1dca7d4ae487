import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POWERSHELL, psArgs } from '../../../../../agent/collectors/windows/powershell.ts';
import { parsePnpNodes, pnpDevices, pnpIds, USB_SCRIPT, windowsUsb } from '../../../../../agent/collectors/windows/usb.ts';
import type { CollectorContext } from '../../../../../agent/collectors/types.ts';
import { loadCatalog } from '../../../../../agent/catalog/load.ts';
import { detect } from '../../../../../agent/engine/detect.ts';
import { hostSignals } from '../../../../../agent/engine/signals.ts';
import type { DeviceInfo } from '../../../../../agent/model.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { inventory } from '../../../../helpers/builders.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'windows');
const ctx = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const KEY = [POWERSHELL, ...psArgs(USB_SCRIPT)].join(' ');
const collect = async (dir: string) => (await windowsUsb.collect(ctx(loadReplayDir(join(FIX, dir))))).devices ?? [];

// Present on every fixture laptop: the built-in webcam and Bluetooth (USB), and the I2C touchpad (HID over
// I2C under ACPI, so no USB ids; Windows calls its pointer collection "HID-compliant mouse").
const webcam: DeviceInfo = {
  bus: 'usb',
  vendorId: '0bda',
  productId: '5538',
  product: 'Integrated_Webcam_HD',
  name: 'USB Composite Device',
  serial: '200901010001',
  path: 'USB\\VID_0BDA&PID_5538\\200901010001',
};
const bluetooth: DeviceInfo = {
  bus: 'usb',
  vendorId: '8087',
  productId: '0026',
  name: 'Intel(R) Wireless Bluetooth(R)',
  path: 'USB\\VID_8087&PID_0026\\5&1F6F6C4A&0&10',
};
const touchpad: DeviceInfo = { bus: 'hid', name: 'HID-compliant mouse', kind: 'pointer', path: 'ACPI\\DELL09BE\\1' };

describe('windows.usb', () => {
  it('folds the PiKVM gadget (device, 3 interfaces, keyboard and mouse collections) into one pointer with its own product string', async () => {
    const runner = loadReplayDir(join(FIX, 'usb-pikvm'));
    const { devices } = await windowsUsb.collect(ctx(runner));
    expect(runner.calls).toEqual([KEY]);
    expect(devices).toEqual([
      webcam,
      {
        bus: 'usb',
        vendorId: '1d6b',
        productId: '0104',
        product: 'PiKVM Composite Device',
        name: 'USB Composite Device',
        serial: 'CAFEBABE',
        kind: 'pointer',
        path: 'USB\\VID_1D6B&PID_0104\\CAFEBABE',
      },
      bluetooth,
      touchpad,
    ]);
  });

  it('reports a NanoKVM by its ids and serial', async () => {
    expect(await collect('usb-nanokvm')).toEqual([
      webcam,
      {
        bus: 'usb',
        vendorId: '3346',
        productId: '1009',
        product: 'NanoKVM',
        name: 'USB Composite Device',
        serial: '0123456789ABCDEF',
        kind: 'pointer',
        path: 'USB\\VID_3346&PID_1009\\0123456789ABCDEF',
      },
      bluetooth,
      touchpad,
    ]);
  });

  it('reports a Logitech receiver without a serial (location-based instance id) and skips the root hub and ACPI event filter', async () => {
    expect(await collect('usb-laptop')).toEqual([
      webcam,
      bluetooth,
      {
        bus: 'usb',
        vendorId: '046d',
        productId: 'c52b',
        product: 'USB Receiver',
        name: 'USB Composite Device',
        kind: 'pointer',
        path: 'USB\\VID_046D&PID_C52B\\5&1F6F6C4A&0&3',
      },
      touchpad,
    ]);
  });

  it('groups by vendor:product when the parent property could not be read, and escapes hostile strings', () => {
    const nodes = parsePnpNodes(
      JSON.stringify([
        {
          PNPDeviceID: 'USB\\VID_1D6B&PID_0104\\CAFEBABE',
          Name: 'USB Composite Device',
          PNPClass: 'USB',
          Service: 'usbccgp',
          Parent: null,
          BusReportedDeviceDesc: 'PiKVM\u001b[2J Composite\nDevice',
        },
        {
          PNPDeviceID: 'HID\\VID_1D6B&PID_0104&MI_01\\7&2C4B9D1E&0&0000',
          Name: 'HID-compliant mouse',
          PNPClass: 'Mouse',
          Service: 'mouhid',
          Parent: null,
          BusReportedDeviceDesc: null,
        },
        {
          PNPDeviceID: 'HID\\{00001124-0000-1000-8000-00805f9b34fb}_VID&0002046d_PID&b023\\8&1A2B3C4D&0&0000',
          Name: 'HID-compliant mouse',
          PNPClass: 'Mouse',
          Service: 'mouhid',
        },
        { PNPDeviceID: 42, Name: 'not a device' },
        'garbage',
      ]),
    );
    expect(pnpDevices(nodes)).toEqual([
      {
        bus: 'usb',
        vendorId: '1d6b',
        productId: '0104',
        product: 'PiKVM\\x1b[2J Composite\\nDevice',
        name: 'USB Composite Device',
        serial: 'CAFEBABE',
        kind: 'pointer',
        path: 'USB\\VID_1D6B&PID_0104\\CAFEBABE',
      },
      // a Bluetooth mouse: HID over BTHENUM, ids in the Bluetooth spelling
      {
        bus: 'hid',
        vendorId: '046d',
        productId: 'b023',
        name: 'HID-compliant mouse',
        kind: 'pointer',
        path: 'HID\\{00001124-0000-1000-8000-00805f9b34fb}_VID&0002046d_PID&b023\\8&1A2B3C4D&0&0000',
      },
    ]);
    expect(pnpIds('USB\\ROOT_HUB30\\4&2A5C0B8E&0&0')).toBeUndefined();
  });

  it('fails in one line when PowerShell is missing, the query fails or prints malformed JSON', async () => {
    const run = (spec: ConstructorParameters<typeof ReplayRunner>[0]) => windowsUsb.collect(ctx(new ReplayRunner(spec)));
    await expect(run({})).rejects.toThrow(new Error(`Win32_PnPEntity query failed: ${POWERSHELL} not found`));
    await expect(
      run({ commands: { [KEY]: { code: 1, stderr: 'Get-CimInstance : Access denied \r\nAt line:1 char:131\r\n' } } }),
    ).rejects.toThrow(/^Win32_PnPEntity query failed: Get-CimInstance : Access denied$/);
    const err = (await run({ commands: { [KEY]: '[{"PNPDeviceID":"USB\\\\VID_1D6B' } }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Win32_PnPEntity: output is not valid JSON \(.+\)$/);
    expect(err.message).not.toContain('\n');
    // no USB or HID device at all: ConvertTo-Json prints nothing
    expect((await run({ commands: { [KEY]: '' } })).devices).toEqual([]);
  });
});

describe('windows.usb with the real catalog', () => {
  const catalog = loadCatalog();
  const findings = async (dir: string) => {
    const inv = inventory('windows', { devices: await collect(dir) });
    return { inv, found: detect(inv, catalog).map((f) => [f.tool.id, f.severity]) };
  };

  it('finds the PiKVM and the NanoKVM at critical, and nothing on the ordinary laptop', async () => {
    expect((await findings('usb-pikvm')).found).toEqual([['pikvm', 'critical']]);
    expect((await findings('usb-nanokvm')).found).toEqual([['nanokvm', 'critical']]);
    const { inv, found } = await findings('usb-laptop');
    expect(found).toEqual([]);
    // touchpad + receiver are two pointing devices: listed, and only informational without remote access
    expect(
      hostSignals(inv, []).map((f) => [
        f.tool.id,
        f.severity,
        f.evidence.map((e) => (e.type === 'device' ? [e.bus, e.vendorId, e.productId, e.product ?? e.name] : e.type)),
      ]),
    ).toEqual([
      [
        'multiple-pointing-devices',
        'info',
        [
          ['usb', '046d', 'c52b', 'USB Receiver'],
          ['hid', undefined, undefined, 'HID-compliant mouse'],
        ],
      ],
    ]);
  });
});
