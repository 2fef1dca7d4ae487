import type { DeviceInfo } from '../../model.ts';
import type { DirEntry, Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { cleanOpt } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { strongestKind } from '../common/device-kind.ts';

// USB devices from sysfs (Documentation/ABI/stable/sysfs-bus-usb). IP-KVM boxes present themselves as
// a USB keyboard and mouse with recognisable vendor:product ids, and an extra pointing device is a
// laptop-farm signal, so each device also gets a kind from its interfaces.
//
// /sys/bus/usb/devices holds devices ("1-1", "usb1") and their interfaces ("1-1:1.0" =
// <device>:<configuration>.<interface>) side by side.

const ROOT = '/sys/bus/usb/devices';
const MAX_DEVICES = 1024;
const HID_CLASS = '03';
const STORAGE_CLASS = '08';

async function attr(runner: Runner, dir: string, name: string): Promise<string | undefined> {
  try {
    return (await runner.readFile(`${dir}/${name}`, 4096)).toString('utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * What a HID report descriptor declares at its top level: Usage Page Generic Desktop (05 01) followed
 * by Usage Mouse (09 02) / Pointer (09 01) or Keyboard (09 06). Absolute pointers (IP-KVM, tablets)
 * carry protocol 0 in the interface, so only the descriptor tells them apart.
 */
export function hidUsageKind(desc: Buffer): 'pointer' | 'keyboard' | undefined {
  let kbd = false;
  for (let i = 0; i + 3 < desc.length && i < 4096; i++) {
    if (desc[i] !== 0x05 || desc[i + 1] !== 0x01 || desc[i + 2] !== 0x09) continue;
    const usage = desc[i + 3];
    if (usage === 0x02 || usage === 0x01) return 'pointer';
    if (usage === 0x06) kbd = true;
  }
  return kbd ? 'keyboard' : undefined;
}

async function interfaceKind(runner: Runner, dir: string): Promise<DeviceInfo['kind']> {
  const cls = await attr(runner, dir, 'bInterfaceClass');
  if (cls === STORAGE_CLASS) return 'storage';
  if (cls !== HID_CLASS) return undefined;
  // boot protocol: 1 keyboard, 2 mouse (USB HID 1.11, 4.3)
  const proto = await attr(runner, dir, 'bInterfaceProtocol');
  if (proto === '01') return 'keyboard';
  if (proto === '02') return 'pointer';
  const hid = (await runner.readDir(dir).catch(() => [])).find((e) => /^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{4}\.[0-9A-F]+$/i.test(e.name));
  if (!hid) return undefined;
  const desc = await runner.readFile(`${dir}/${hid.name}/report_descriptor`, 4096).catch(() => undefined);
  return desc ? hidUsageKind(desc) : undefined;
}

function hex4(v: string | undefined): string | undefined {
  return v && /^[0-9a-fA-F]{4}$/.test(v) ? v.toLowerCase() : undefined;
}

export const linuxUsb: Collector = {
  name: 'linux.usb',
  async collect(ctx) {
    const { runner } = ctx;
    let ents: DirEntry[];
    try {
      ents = await runner.readDir(ROOT);
    } catch (e) {
      // no USB bus at all (some VMs) is a fact, not a failure; sysfs missing altogether is
      if (await runner.exists('/sys/bus')) return { devices: [] };
      throw new Error(`cannot read ${ROOT}: sysfs not mounted (${e instanceof Error ? e.message : e})`);
    }
    const names = ents.map((e) => e.name);
    const devs = names.filter((n) => !n.includes(':')).slice(0, MAX_DEVICES);
    const got = await mapLimit(devs, 8, async (n): Promise<DeviceInfo | undefined> => {
      const dir = `${ROOT}/${n}`;
      const [vendor, product, manufacturer, productName, serial] = await Promise.all(
        ['idVendor', 'idProduct', 'manufacturer', 'product', 'serial'].map((a) => attr(runner, dir, a)),
      );
      if (!vendor && !product) return undefined;
      const intfs = names.filter((i) => i.startsWith(`${n}:`));
      const kinds = await Promise.all(intfs.map((i) => interfaceKind(runner, `${ROOT}/${i}`)));
      const d: DeviceInfo = { bus: 'usb', path: dir };
      const v = hex4(vendor);
      const p = hex4(product);
      if (v) d.vendorId = v;
      if (p) d.productId = p;
      const m = cleanOpt(manufacturer, 256);
      if (m) d.manufacturer = m;
      const pn = cleanOpt(productName, 256);
      if (pn) d.product = pn;
      const s = cleanOpt(serial, 256);
      if (s) d.serial = s;
      const kind = strongestKind(kinds);
      if (kind) d.kind = kind;
      return d;
    });
    return { devices: got.filter((d): d is DeviceInfo => d !== undefined) };
  },
};
