import type { DeviceInfo } from '../../model.ts';
import { RunnerError, type DirEntry } from '../../runner.ts';
import { SourceAbsent, type Collector } from '../types.ts';
import { edidDevice, parseEdid } from '../common/edid.ts';

// The kernel's DRM subsystem exposes one entry per connector (card0-HDMI-A-1, card1-eDP-1...) with the
// EDID the attached sink sent; a disconnected connector has an empty edid file. An IP-KVM plugged into
// HDMI shows up here with its own EDID ("PiKVM V3", "TinyPilot").

const DRM = '/sys/class/drm';
const MAX_CONNECTORS = 64;
// E-EDID is 128 bytes per block and at most 256 blocks; anything bigger is not an EDID
const MAX_EDID = 32 * 1024;

export const linuxDisplays: Collector = {
  name: 'linux.displays',
  async collect(ctx) {
    let entries: DirEntry[];
    try {
      entries = await ctx.runner.readDir(DRM);
    } catch (e) {
      // no DRM (a server, a container): the RunnerError already says "cannot list /sys/class/drm: ENOENT"
      const line = e instanceof Error ? e.message.split('\n')[0] : `cannot list ${DRM}: ${String(e)}`;
      throw e instanceof RunnerError && e.code === 'ENOENT' ? new SourceAbsent(line) : new Error(line);
    }
    // Connector entries are symbolic links named card<N>-<connector>; card<N> itself and renderD* have no EDID
    const connectors = entries
      .map((e) => e.name)
      .filter((n) => /^card\d+-./.test(n))
      .slice(0, MAX_CONNECTORS);
    const devices: DeviceInfo[] = [];
    for (const c of connectors) {
      const path = `${DRM}/${c}/edid`;
      let blob: Buffer;
      try {
        blob = await ctx.runner.readFile(path, MAX_EDID);
      } catch {
        continue; // connectors of some drivers (writeback, virtual) have no edid file
      }
      if (blob.length === 0) continue;
      const info = parseEdid(blob);
      if (info) devices.push(edidDevice(info, path));
    }
    return { devices };
  },
};
