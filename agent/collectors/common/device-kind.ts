import type { DeviceInfo } from '../../model.ts';

/** A device that offers a pointer counts as one (keyboard+mouse receivers, IP-KVM gadgets). */
export function strongestKind(kinds: DeviceInfo['kind'][]): DeviceInfo['kind'] {
  for (const k of ['pointer', 'keyboard', 'storage'] as const) if (kinds.includes(k)) return k;
  return undefined;
}
