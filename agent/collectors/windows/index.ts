import { bannerProbe } from '../common/banner-probe.ts';
import type { Platform } from '../types.ts';
import { autorunsCollector } from './autoruns.ts';
import { windowsContext } from './context.ts';
import { windowsUser } from './console-user.ts';
import { windowsDisplays } from './displays.ts';
import { identityEnricher } from './identity.ts';
import { privilegeCollector } from './privilege.ts';
import { processesCollector } from './processes.ts';
import { servicesCollector } from './services.ts';
import { settingsCollector } from './settings.ts';
import { socketsCollector } from './sockets.ts';
import { uninstallCollector } from './uninstall.ts';
import { windowsUsb } from './usb.ts';

export const windowsPlatform: Platform = {
  os: 'windows',
  collectors: [
    processesCollector,
    uninstallCollector,
    servicesCollector,
    autorunsCollector,
    settingsCollector,
    socketsCollector,
    windowsDisplays,
    windowsUsb,
    windowsContext,
    windowsUser,
    privilegeCollector,
  ],
  enrichers: [identityEnricher, bannerProbe('windows')],
};
