import { clean } from '../../text.ts';
import type { Collector, CollectorContext } from '../types.ts';

// The console user: who sits at the laptop, sent as the report's host.user so the fleet side can count
// distinct people behind one network (a farm is several people's laptops in one house; one person with
// two laptops is not). Each OS reads it its own way (collectors/<os>/console-user.ts).

/** Names that hold the console when nobody has logged in (macOS login window, setup assistant). */
const NOBODY = new Set(['', 'loginwindow', '_mbsetupuser']);

export const MAX_USER = 255;

/** A user name as reported: trimmed, escaped, bounded; undefined for "nobody". */
export function userName(raw: string | undefined | null): string | undefined {
  const s = (raw ?? '').trim();
  return NOBODY.has(s.toLowerCase()) ? undefined : clean(s, MAX_USER);
}

export function consoleUserCollector(os: string, read: (ctx: CollectorContext) => Promise<string | undefined>): Collector {
  return {
    name: `${os}.user`,
    async collect(ctx) {
      const user = userName(await read(ctx));
      return user ? { consoleUser: user } : {};
    },
  };
}
