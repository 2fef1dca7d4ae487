import { cronModule } from '../lazy-modules.ts';

// When a cron schedule fires, in the machine's local time, as node-cron computes it, but from Date's
// local-time getters instead of node-cron's Intl.DateTimeFormat: the resident daemon would otherwise
// keep ~8 MiB of ICU locale data in memory for the hour between scans. node-cron still reads and
// validates the expression (cron.parse: names, ranges, steps, lists, L, W, #, nicknames); what follows
// is its matcher and its walk to the next time, step for step (node-cron 4 dist/_shared.js:
// TimeMatcher, MatcherWalker, localTimeToTimestamp), and test/unit/agent/daemon/cron-time.test.ts
// holds it to node-cron itself across time zones and DST changes. Like node-cron, and unlike Vixie
// cron, a time must match both the day of month and the day of week.

export interface CronSchedule {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: (number | string)[];
  month: number[];
  dayOfWeek: (number | string)[];
}

interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** node-cron's reading of the expression; throws its message on an invalid one. */
export function parseCron(expression: string): CronSchedule {
  const f = cronModule().parse(expression);
  const asc = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return { ...f, second: asc(f.second), minute: asc(f.minute), hour: asc(f.hour) };
}

const MAX_DAYS = 366 * 100;
const WEEKDAY_TOKEN = /^(\d{1,2}|L)W$/;
const LAST_DAY_OFFSET_TOKEN = /^L-(\d{1,2})$/;
const LAST_WEEKDAY_TOKEN = /^([0-7])L$/i;
const NTH_WEEKDAY_TOKEN = /^([0-7])#([1-5])$/;

function localParts(ms: number): LocalParts & { weekday: number } {
  const d = new Date(ms);
  return {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    weekday: d.getDay(),
  };
}

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const calendarWeekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay();

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = calendarWeekday(year, month, target);
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(field: (number | string)[], year: number, month: number, day: number): boolean {
  for (const value of field) {
    if (value === day) return true;
    if (value === 'L' && day === lastDayOfMonth(year, month)) return true;
    if (typeof value !== 'string') continue;
    const w = WEEKDAY_TOKEN.exec(value);
    if (w) {
      const target = w[1] === 'L' ? lastDayOfMonth(year, month) : Number.parseInt(w[1], 10);
      if (nearestWeekday(year, month, target) === day) return true;
    }
    const off = LAST_DAY_OFFSET_TOKEN.exec(value);
    if (off) {
      const target = lastDayOfMonth(year, month) - Number.parseInt(off[1], 10);
      if (target >= 1 && target === day) return true;
    }
  }
  return false;
}

function matchesDayOfWeek(field: (number | string)[], year: number, month: number, day: number, weekday: number): boolean {
  for (const value of field) {
    if (value === weekday) return true;
    if (typeof value !== 'string') continue;
    const nth = NTH_WEEKDAY_TOKEN.exec(value);
    if (nth) {
      if (
        calendarWeekday(year, month, day) === Number.parseInt(nth[1], 10) % 7 &&
        Math.floor((day - 1) / 7) + 1 === Number.parseInt(nth[2], 10)
      )
        return true;
      continue;
    }
    const last = LAST_WEEKDAY_TOKEN.exec(value);
    if (last && Number.parseInt(last[1], 10) % 7 === weekday && day + 7 > lastDayOfMonth(year, month)) return true;
  }
  return false;
}

/** Whether the schedule fires in the second of `date`, local time. */
export function cronMatches(s: CronSchedule, date: Date): boolean {
  const p = localParts(date.getTime());
  return (
    s.second.includes(p.second) &&
    s.minute.includes(p.minute) &&
    s.hour.includes(p.hour) &&
    matchesDayOfMonth(s.dayOfMonth, p.year, p.month, p.day) &&
    s.month.includes(p.month) &&
    matchesDayOfWeek(s.dayOfWeek, p.year, p.month, p.day, p.weekday)
  );
}

const offsetMinutes = (ms: number) => -new Date(ms).getTimezoneOffset();

function readsBackTo(ms: number, p: LocalParts): boolean {
  const q = localParts(ms);
  return q.year === p.year && q.month === p.month && q.day === p.day && q.hour === p.hour && q.minute === p.minute && q.second === p.second;
}

/**
 * A local wall time as an instant, node-cron's way: the offset at the wall time read as UTC, then the
 * offset at that first answer. In a DST gap the later candidate wins; of a repeated hour, whichever
 * occurrence the first offset lands on.
 */
function localTimeToTimestamp(p: LocalParts): number {
  const guess = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, 0);
  const first = offsetMinutes(guess);
  const c1 = guess - first * 60_000;
  const second = offsetMinutes(c1);
  if (second === first) return c1;
  const c2 = guess - second * 60_000;
  if (readsBackTo(c1, p)) return c1;
  if (readsBackTo(c2, p)) return c2;
  return Math.max(c1, c2);
}

const laterInDay = (h: number, m: number, s: number, b: LocalParts) => h * 3600 + m * 60 + s > b.hour * 3600 + b.minute * 60 + b.second;

function firstTimeOnDay(
  s: CronSchedule,
  day: Omit<LocalParts, 'hour' | 'minute' | 'second'>,
  lower: LocalParts | null,
  baseMs: number,
): number | null {
  for (const hour of s.hour) {
    if (lower && hour < lower.hour) continue;
    for (const minute of s.minute) {
      for (const second of s.second) {
        if (lower && !laterInDay(hour, minute, second, lower)) continue;
        const ts = localTimeToTimestamp({ ...day, hour, minute, second });
        if (ts > baseMs && cronMatches(s, new Date(ts))) return ts;
      }
    }
  }
  return null;
}

/** The first time after `after` (in whole seconds) the schedule fires; throws when none comes within 100 years. */
export function nextCronTime(s: CronSchedule, after: Date): Date {
  const baseMs = Math.floor(after.getTime() / 1000) * 1000;
  const base = localParts(baseMs);
  let { year, month, day } = base;
  for (let i = 0; i < MAX_DAYS; i++) {
    if (
      s.month.includes(month) &&
      matchesDayOfMonth(s.dayOfMonth, year, month, day) &&
      matchesDayOfWeek(s.dayOfWeek, year, month, day, calendarWeekday(year, month, day))
    ) {
      const found = firstTimeOnDay(s, { year, month, day }, i === 0 ? base : null, baseMs);
      if (found !== null) return new Date(found);
    }
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    year = next.getUTCFullYear();
    month = next.getUTCMonth() + 1;
    day = next.getUTCDate();
  }
  throw new Error('the schedule never fires within 100 years');
}
