import type { DeviceInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { edidDevice, parseEdidHex } from '../common/edid.ts';
import { regRead, type RegKey } from './reg.ts';

// Windows keeps the EDID of every monitor it has enumerated under
// HKLM\SYSTEM\CurrentControlSet\Enum\DISPLAY\<model>\<instance>\Device Parameters (value EDID, REG_BINARY,
// read as one run of uppercase hex, reg.ts), including monitors no longer attached: an IP-KVM that
// was plugged in last week is still listed, which is evidence too.

export const DISPLAY_ENUM = 'HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY';
const MAX_MONITORS = 256;
// Only the EDID the monitor sent; EDID_OVERRIDE (a user's override) is a subkey one level deeper
const DEVICE_PARAMETERS = /\\Enum\\DISPLAY\\[^\\]+\\[^\\]+\\Device Parameters$/i;

export function displayDevices(keys: RegKey[]): DeviceInfo[] {
  const devices: DeviceInfo[] = [];
  for (const k of keys) {
    if (!DEVICE_PARAMETERS.test(k.path)) continue;
    const edid = k.values.find((v) => v.name.toUpperCase() === 'EDID' && v.type === 'REG_BINARY');
    const info = edid && parseEdidHex(edid.data);
    if (info) devices.push(edidDevice(info, k.path));
    if (devices.length >= MAX_MONITORS) break;
  }
  return devices;
}

export const windowsDisplays: Collector = {
  name: 'windows.displays',
  async collect(ctx) {
    // A machine that never had a monitor (a VM console, a server) has no DISPLAY key at all
    const [{ keys }] = await regRead(ctx, [{ key: DISPLAY_ENUM, recurse: true }], 'registry read of the monitors');
    return { devices: keys ? displayDevices(keys) : [] };
  },
};
