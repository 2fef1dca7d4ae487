// Checks of what admins type into settings forms, each answering one line for the page. The store may
// check again (and canonicalise); these give the person a clear message before anything is written.
import { parseIpRange } from '../farm/net.ts';
import type { NotifierKind, OfficeNetworkKind } from './data.ts';

// aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabbccddeeff, aabb.ccdd.eeff (the store keeps one spelling)
const MAC = /^(([0-9a-f]{2}[:-]){5}[0-9a-f]{2}|[0-9a-f]{12}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})$/i;

export function checkOfficeValue(kind: OfficeNetworkKind, value: string): string | undefined {
  if (kind === 'gateway-mac' || kind === 'bssid') {
    return MAC.test(value) ? undefined : `"${value.slice(0, 60)}" is not a MAC address like aa:bb:cc:dd:ee:ff.`;
  }
  // the farm's own parser (server/farm/net.ts): what the form accepts is what the settings accept
  const r = parseIpRange(value);
  if (!('error' in r)) return undefined;
  return /wider than/.test(r.error) ? `${r.error}.` : `${r.error}: give an address or a CIDR range like 203.0.113.0/24.`;
}

export function checkNotifierTarget(kind: NotifierKind, target: string): string | undefined {
  if (kind === 'email') return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(target) ? undefined : 'The mail address is not valid.';
  try {
    const u = new URL(target);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'The webhook URL must start with https:// or http://.';
  } catch {
    return 'The webhook URL is not valid.';
  }
  return undefined;
}

// One rule for user names and passwords, the JSON API's too.
export { checkPassword, checkUsername, MIN_PASSWORD } from '../api/admin-actions.ts';
