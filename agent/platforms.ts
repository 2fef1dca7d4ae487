import type { Platform } from './collectors/types.ts';
import { darwinPlatform } from './collectors/macos/index.ts';
import { linuxPlatform } from './collectors/linux/index.ts';
import { windowsPlatform } from './collectors/windows/index.ts';
import type { OsName } from './model.ts';

export function platformFor(os: OsName): Platform {
  if (os === 'windows') return windowsPlatform;
  if (os === 'darwin') return darwinPlatform;
  return linuxPlatform;
}
