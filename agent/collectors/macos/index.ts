import { bannerProbe } from '../common/banner-probe.ts';
import type { Platform } from '../types.ts';
import { appsCollector } from './apps.ts';
import { codesignEnricher } from './codesign.ts';
import { darwinContext } from './context.ts';
import { darwinUser } from './console-user.ts';
import { darwinDisplays } from './displays.ts';
import { launchdCollector } from './launchd.ts';
import { processesCollector } from './processes.ts';
import { settingsCollector } from './settings.ts';
import { socketsCollector } from './sockets.ts';
import { darwinUsb } from './usb.ts';

// Everything ratwatch reads on a Mac. Collectors run in parallel; codesign runs after them because it
// signs what they found (running executables and app bundles).
export const darwinPlatform: Platform = {
  os: 'darwin',
  collectors: [
    processesCollector,
    appsCollector,
    launchdCollector,
    socketsCollector,
    settingsCollector,
    darwinDisplays,
    darwinUsb,
    darwinContext,
    darwinUser,
  ],
  enrichers: [codesignEnricher, bannerProbe('darwin')],
};
