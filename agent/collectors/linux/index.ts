import { bannerProbe } from '../common/banner-probe.ts';
import type { Platform } from '../types.ts';
import { linuxContext } from './context.ts';
import { linuxUser } from './console-user.ts';
import { linuxDesktopEntries } from './desktop-entries.ts';
import { linuxDisplays } from './displays.ts';
import { linuxIdentity } from './identity.ts';
import { linuxDpkg } from './packages-dpkg.ts';
import { linuxFlatpak } from './packages-flatpak.ts';
import { linuxRpm } from './packages-rpm.ts';
import { linuxSnap } from './packages-snap.ts';
import { linuxProcesses } from './processes.ts';
import { linuxSystemd } from './services-systemd.ts';
import { linuxSockets } from './sockets.ts';
import { linuxUsb } from './usb.ts';

// Everything ratwatch reads on Linux. A package manager the distribution lacks (rpm on Debian, snap
// without snapd) fails alone and shows as such in the scan's sources. The enrichers run last because
// they work on what the collectors found: process binaries to fingerprint, listening sockets to ask.
export const linuxPlatform: Platform = {
  os: 'linux',
  collectors: [
    linuxProcesses,
    linuxDpkg,
    linuxRpm,
    linuxSnap,
    linuxFlatpak,
    linuxDesktopEntries,
    linuxSystemd,
    linuxSockets,
    linuxUsb,
    linuxDisplays,
    linuxContext,
    linuxUser,
  ],
  enrichers: [linuxIdentity, bannerProbe('linux')],
};
