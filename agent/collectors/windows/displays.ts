import type { DeviceInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { edidDevice, parseEdidHex } from '../common/edid.ts';

// Windows keeps the EDID of every monitor it has enumerated under
// HKLM\SYSTEM\CurrentControlSet\Enum\DISPLAY\<model>\<instance>\Device Parameters (value EDID, REG_BINARY),
// including monitors no longer attached: an IP-KVM that was plugged in last week is still listed, which
// is evidence too. `reg query ... /s` prints each key on its own line, then its values indented by four
// spaces as "name    type    data", REG_BINARY data as one run of uppercase hex.

export const DISPLAY_ENUM = 'HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY';
const MAX_MONITORS = 256;

export function parseDisplayEnum(out: string): DeviceInfo[] {
  const devices: DeviceInfo[] = [];
  let key: string | undefined;
  for (const raw of out.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (/^HKEY_/i.test(line)) {
      // Only the EDID written by the monitor driver; EDID_OVERRIDE (a user's override) lives one key deeper
      key = /\\Enum\\DISPLAY\\[^\\]+\\[^\\]+\\Device Parameters$/i.test(line) ? line : undefined;
      continue;
    }
    if (!key) continue;
    const m = /^\s+EDID\s+REG_BINARY\s+([0-9A-Fa-f]*)$/.exec(line);
    if (!m) continue;
    const info = parseEdidHex(m[1]);
    if (info) devices.push(edidDevice(info, key));
    if (devices.length >= MAX_MONITORS) break;
  }
  return devices;
}

export const windowsDisplays: Collector = {
  name: 'windows.displays',
  async collect(ctx) {
    let res;
    try {
      res = await ctx.runner.exec('reg', ['query', DISPLAY_ENUM, '/s']);
    } catch (e) {
      throw new Error(`reg query DISPLAY: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    const devices = parseDisplayEnum(res.stdout);
    // reg stops at a key it may not read (Properties, when not run as SYSTEM) and exits 1; what it printed
    // before that is still good, so only an empty answer is a failure
    if (res.code !== 0 && devices.length === 0) {
      const why = res.stderr.split(/\r?\n/).find((l) => l.trim())?.trim() || `exit code ${res.code}`;
      throw new Error(`reg query DISPLAY failed: ${why}`);
    }
    return { devices };
  },
};
