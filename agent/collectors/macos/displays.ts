import type { DeviceInfo } from '../../model.ts';
import type { ExecResult } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { decodePnpId } from '../common/edid.ts';

// `system_profiler SPDisplaysDataType -json` lists, under each GPU's "spdisplays_ndrvs", the displays it
// drives. "_name" is the EDID monitor name for external screens ("DELL U2412M", and "PiKVM V3" when an
// IP-KVM captures the HDMI output); "_spdisplays_display-vendor-id" and "-product-id" are the EDID
// manufacturer and product codes in hex without leading zeros ("10ac" = DEL, "610" = APP). It needs no
// root and works on Intel and Apple silicon alike, where IOKit's EDID keys differ by GPU family.

const MAX_DISPLAYS = 64;

type Json = Record<string, unknown>;

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function hexCode(s: string | undefined): number | undefined {
  if (!s || !/^(0x)?[0-9a-f]{1,8}$/i.test(s)) return undefined;
  return parseInt(s.replace(/^0x/i, ''), 16);
}

// Printable ASCII only: a display name comes from the attached device's EDID, which anyone can write
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 128);
}

export function parseSpDisplays(json: string): DeviceInfo[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error('system_profiler SPDisplaysDataType printed something other than JSON');
  }
  const gpus = (doc as Json | null)?.SPDisplaysDataType;
  if (!Array.isArray(gpus)) throw new Error('system_profiler SPDisplaysDataType: no SPDisplaysDataType array');
  const devices: DeviceInfo[] = [];
  for (const gpu of gpus) {
    const displays = (gpu as Json | null)?.spdisplays_ndrvs;
    if (!Array.isArray(displays)) continue;
    for (const d of displays) {
      if (!d || typeof d !== 'object' || devices.length >= MAX_DISPLAYS) continue;
      const o = d as Json;
      const dev: DeviceInfo = { bus: 'display', kind: 'display', path: 'system_profiler SPDisplaysDataType' };
      const name = str(o, '_name');
      if (name) dev.name = printable(name);
      const vendor = hexCode(str(o, '_spdisplays_display-vendor-id'));
      const pnp = vendor === undefined ? undefined : decodePnpId(vendor);
      if (pnp) dev.manufacturer = pnp;
      const product = hexCode(str(o, '_spdisplays_display-product-id'));
      if (product !== undefined && product <= 0xffff) dev.productId = product.toString(16).padStart(4, '0');
      const serial = str(o, '_spdisplays_display-serial-number');
      if (serial) dev.serial = printable(serial);
      devices.push(dev);
    }
  }
  return devices;
}

export const darwinDisplays: Collector = {
  name: 'darwin.displays',
  async collect(ctx) {
    let res: ExecResult;
    try {
      res = await ctx.runner.exec('system_profiler', ['SPDisplaysDataType', '-json'], { timeoutMs: 30_000 });
    } catch (e) {
      throw new Error(`system_profiler SPDisplaysDataType: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (res.code !== 0 && !res.stdout.trim()) {
      throw new Error(`system_profiler SPDisplaysDataType failed: exit code ${res.code}`);
    }
    return { devices: parseSpDisplays(res.stdout) };
  },
};
