import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../../../../agent/runner.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { hidUsageKind, linuxUsb } from '../../../../../agent/collectors/linux/usb.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'linux');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const R = '/sys/bus/usb/devices';

describe('linux.usb', () => {
  it('reads ids and strings, and tells pointers, keyboards and storage apart by interface', async () => {
    const { devices } = await linuxUsb.collect(ctx(loadReplayDir(join(FIX, 'usb'))));
    expect(devices).toEqual([
      {
        bus: 'usb',
        path: `${R}/1-1`,
        vendorId: '046d',
        productId: 'c52b',
        manufacturer: 'Logitech',
        product: 'USB Receiver',
        kind: 'pointer',
      },
      // kvmd's absolute mouse has boot protocol 0: its report descriptor says "mouse"
      {
        bus: 'usb',
        path: `${R}/1-2`,
        vendorId: '1d6b',
        productId: '0104',
        manufacturer: 'PiKVM',
        product: 'PiKVM Composite Device',
        serial: 'CAFEBABE',
        kind: 'pointer',
      },
      {
        bus: 'usb',
        path: `${R}/1-3`,
        vendorId: '0781',
        productId: '5581',
        manufacturer: 'SanDisk',
        product: 'Ultra',
        serial: '4C530001230815112181',
        kind: 'storage',
      },
      // a device behind a hub port has its own interfaces (1-3.4:1.0), not 1-3's
      { bus: 'usb', path: `${R}/1-3.4`, vendorId: 'abcd', manufacturer: 'Evil\\x1b[2J Corp', product: 'Keyboard\\nFAKE', kind: 'keyboard' },
      {
        bus: 'usb',
        path: `${R}/usb1`,
        vendorId: '1d6b',
        productId: '0002',
        manufacturer: 'Linux 6.8.0-31-generic xhci-hcd',
        product: 'xHCI Host Controller',
        serial: '0000:00:14.0',
      },
    ]);
  });

  it('reads HID usages from report descriptors', () => {
    expect(hidUsageKind(Buffer.from([0x05, 0x01, 0x09, 0x06, 0xa1, 0x01]))).toBe('keyboard');
    expect(hidUsageKind(Buffer.from([0x05, 0x01, 0x09, 0x06, 0xc0, 0x05, 0x01, 0x09, 0x02]))).toBe('pointer');
    expect(hidUsageKind(Buffer.from([0x05, 0x0c, 0x09, 0x01, 0xa1, 0x01]))).toBeUndefined(); // consumer control
    expect(hidUsageKind(Buffer.from([0x05, 0x01, 0x09]))).toBeUndefined(); // truncated
  });

  it('reports no devices on a machine without a USB bus, and fails when sysfs is missing', async () => {
    const noUsb = new ReplayRunner({ files: { '/sys/bus/pci/devices/0000:00:00.0/vendor': '0x8086\n' } });
    expect((await linuxUsb.collect(ctx(noUsb))).devices).toEqual([]);
    const err = await linuxUsb.collect(ctx(new ReplayRunner({}))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`cannot read ${R}: sysfs not mounted (cannot list ${R}: ENOENT)`);
  });
});
