import type { DeviceInfo } from '../../model.ts';
import { cleanOpt } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { SourceAbsent, type Collector } from '../types.ts';

// USB devices from system_profiler. An IP-KVM plugged into the Mac is a USB gadget with recognisable
// vendor:product ids and strings (PiKVM 1d6b:0104 "PiKVM Composite Device", NanoKVM 3346:1009).
//
// Two shapes, both a list of buses whose "_items" nest devices and, behind hubs, their devices:
// - SPUSBDataType (up to macOS 15): "_name" is the product string, "vendor_id" "0x0830  (Palm Inc.)" or
//   "apple_vendor_id", "product_id" "0x0060", "manufacturer", "serial_num", "location_id" "0x00100000 / 1",
//   and a "Media" list on mass-storage devices.
// - SPUSBHostDataType (macOS 26, where SPUSBDataType prints an empty list): "_name", "USBDeviceKeyVendorID",
//   "USBDeviceKeyProductID", "USBDeviceKeyVendorName" (the manufacturer string), "USBDeviceKeySerialNumber",
//   "USBKeyLocationID".
// The legacy type is asked first; the host type only when the legacy one lists no bus at all.
//
// Neither says what a device does. A kind is given only when the product string says it in words
// ("USB Optical Mouse", "Magic Trackpad", "Apple Internal Keyboard / Trackpad"); a receiver or an IP-KVM
// gadget named otherwise gets none, so the pointing-device signal is weaker here than on Linux and Windows.
// (IOKit's IOHIDDevice entries carry the HID usage, but reading them means a second, plist-shaped source.)

export const SYSTEM_PROFILER = '/usr/sbin/system_profiler';
const LEGACY = 'SPUSBDataType';
const HOST = 'SPUSBHostDataType';
// USB allows five hubs between the root and a device; anything deeper is not a real tree
const MAX_DEPTH = 8;
const MAX_DEVICES = 512;
const APPLE = '05ac';

type Json = Record<string, unknown>;
type DataType = typeof LEGACY | typeof HOST;

const KEYS = {
  [LEGACY]: { vendor: 'vendor_id', product: 'product_id', manufacturer: 'manufacturer', serial: 'serial_num', location: 'location_id' },
  [HOST]: {
    vendor: 'USBDeviceKeyVendorID',
    product: 'USBDeviceKeyProductID',
    manufacturer: 'USBDeviceKeyVendorName',
    serial: 'USBDeviceKeySerialNumber',
    location: 'USBKeyLocationID',
  },
} as const;

function text(o: Json, key: string): string | undefined {
  const v = o[key];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t && t.toLowerCase() !== 'not provided' ? t : undefined;
}

/** "0x1d6b", "0x0830  (Palm Inc.)", "apple_vendor_id" -> 4 lowercase hex digits. */
export function usbHexId(v: string | undefined): string | undefined {
  if (!v) return undefined;
  if (v === 'apple_vendor_id') return APPLE;
  const m = /^0x([0-9a-f]{1,4})\b/i.exec(v);
  return m ? m[1].toLowerCase().padStart(4, '0') : undefined;
}

/** Only what the product string states outright. */
export function kindFromName(name: string | undefined, o: Json): DeviceInfo['kind'] {
  if (name && /\b(mouse|trackpad|touchpad|trackball)\b/i.test(name)) return 'pointer';
  if (name && /\bkeyboard\b/i.test(name)) return 'keyboard';
  if (Array.isArray(o.Media) && o.Media.length > 0) return 'storage';
  return undefined;
}

function device(o: Json, type: DataType): DeviceInfo | undefined {
  const k = KEYS[type];
  const vendorId = usbHexId(text(o, k.vendor));
  const productId = usbHexId(text(o, k.product));
  // buses carry neither id
  if (!vendorId && !productId) return undefined;
  const d: DeviceInfo = { bus: 'usb' };
  if (vendorId) d.vendorId = vendorId;
  if (productId) d.productId = productId;
  const manufacturer = cleanOpt(text(o, k.manufacturer), 256);
  if (manufacturer) d.manufacturer = manufacturer;
  const name = text(o, '_name');
  const product = cleanOpt(name, 256);
  if (product) d.product = product;
  const serial = cleanOpt(text(o, k.serial), 256);
  if (serial) d.serial = serial;
  const kind = kindFromName(name, o);
  if (kind) d.kind = kind;
  const location = text(o, k.location)?.split(/\s/)[0];
  d.path = cleanOpt(`system_profiler ${type}${location ? ` ${location}` : ''}`, 128);
  return d;
}

/**
 * The devices in one system_profiler report; `buses` is how many top-level entries it had. A retired data
 * type may print nothing or omit its key: with `absentOk` that reads as no buses rather than an error.
 */
export function parseSpUsb(json: string, type: DataType, absentOk = false): { buses: number; devices: DeviceInfo[] } {
  if (absentOk && !json.trim()) return { buses: 0, devices: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error(`system_profiler ${type} printed something other than JSON`);
  }
  const buses = (doc as Json | null)?.[type];
  if (buses === undefined && absentOk && doc && typeof doc === 'object') return { buses: 0, devices: [] };
  if (!Array.isArray(buses)) throw new Error(`system_profiler ${type}: no ${type} array`);
  const devices: DeviceInfo[] = [];
  const walk = (items: unknown, depth: number): void => {
    if (!Array.isArray(items) || depth > MAX_DEPTH) return;
    for (const it of items) {
      if (devices.length >= MAX_DEVICES) return;
      if (!it || typeof it !== 'object' || Array.isArray(it)) continue;
      const d = device(it as Json, type);
      if (d) devices.push(d);
      walk((it as Json)._items, depth + 1);
    }
  };
  walk(buses, 0);
  return { buses: buses.length, devices };
}

export const darwinUsb: Collector = {
  name: 'darwin.usb',
  async collect(ctx) {
    // a missing system_profiler fails here, once; a legacy type that exits non-zero falls through
    let legacy: string | undefined;
    try {
      legacy = await runListing(ctx.runner, SYSTEM_PROFILER, [LEGACY, '-json']);
    } catch (e) {
      if (e instanceof SourceAbsent) throw e;
    }
    const old = legacy === undefined ? undefined : parseSpUsb(legacy, LEGACY, true);
    if (old && old.buses > 0) return { devices: old.devices };
    return { devices: parseSpUsb(await runListing(ctx.runner, SYSTEM_PROFILER, [HOST, '-json']), HOST).devices };
  },
};
