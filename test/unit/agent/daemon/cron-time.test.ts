import fc from 'fast-check';
import cron from 'node-cron';
import { afterAll, describe, expect, it } from 'vitest';
import { cronMatches, nextCronTime, parseCron } from '../../../../agent/daemon/cron-time.ts';

// The daemon's cron times against node-cron itself, the oracle: node-cron computes local time with
// Intl.DateTimeFormat in a given time zone, cron-time.ts with Date's getters in the process's zone (TZ,
// set here per zone: Node re-reads it on assignment). Zones east and west of UTC with DST, half-hour and
// 45-minute offsets, a 30-minute DST shift (Lord Howe), and a zone without DST.

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/St_Johns',
  'Pacific/Chatham',
  'America/Sao_Paulo',
];
const savedTz = process.env.TZ;
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

interface Oracle {
  next(d: Date): Date;
  match(d: Date): boolean;
  done(): void;
}

function oracle(expression: string, timezone: string): Oracle {
  const task = cron.createTask(expression, () => undefined, { timezone });
  // node-cron's TimeMatcher is what its runner asks for the next time; the public API only asks from now
  const tm = (task as unknown as { timeMatcher?: { getNextMatch?: (d: Date) => Date } }).timeMatcher;
  if (typeof tm?.getNextMatch !== 'function') throw new Error('node-cron no longer has task.timeMatcher.getNextMatch: update this oracle');
  return { next: (d) => tm.getNextMatch!(d), match: (d) => task.match(d), done: () => void task.destroy() };
}

const outcome = (f: () => Date) => {
  try {
    return f().toISOString();
  } catch {
    return 'throws';
  }
};

// --- cron expressions, valid and invalid, with every form node-cron reads ---
const num = (min: number, max: number) => fc.integer({ min, max }).map(String);
function atom(min: number, max: number, names: string[] = [], extra: fc.Arbitrary<string>[] = []) {
  const value = names.length ? fc.oneof(num(min, max), fc.constantFrom(...names)) : num(min, max);
  return fc.oneof(
    fc.constant('*'),
    fc.integer({ min: 1, max: Math.max(2, max) }).map((s) => `*/${s}`),
    value,
    fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
    fc.tuple(value, value, fc.integer({ min: 1, max: 20 })).map(([a, b, s]) => `${a}-${b}/${s}`),
    ...extra,
  );
}
const list = (a: fc.Arbitrary<string>) => fc.array(a, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));
const MONTHS = ['jan', 'FEB', 'mar', 'April', 'may', 'jun', 'july', 'aug', 'sep', 'oct', 'nov', 'December'];
const DAYS = ['sun', 'MON', 'tuesday', 'wed', 'thu', 'Fri', 'sat'];
const second = list(atom(0, 59));
const minute = list(atom(0, 59));
const hour = list(atom(0, 23));
const dayOfMonth = fc.oneof(
  list(atom(1, 31, [], [fc.constantFrom('L', 'LW', '1W', '15W', '31W', 'L-1', 'L-3', 'L-30')])),
  fc.constant('?'),
);
const month = list(atom(1, 12, MONTHS));
const dayOfWeek = fc.oneof(list(atom(0, 7, DAYS, [fc.constantFrom('5L', '0L', '7L', '1#1', '5#2', '0#5', '7#3')])), fc.constant('?'));
const expression = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(minute, hour, dayOfMonth, month, dayOfWeek).map((f) => f.join(' ')) },
  { weight: 10, arbitrary: fc.tuple(second, minute, hour, dayOfMonth, month, dayOfWeek).map((f) => f.join(' ')) },
  // dense in the hours DST moves, so the gap and the repeated hour are met
  {
    weight: 6,
    arbitrary: fc.tuple(second, minute, list(atom(0, 4)), dayOfMonth, month, dayOfWeek).map((f) => f.join(' ')),
  },
  { weight: 1, arbitrary: fc.constantFrom('@yearly', '@monthly', '@weekly', '@daily', '@hourly', '@midnight') },
);
const validExpression = expression.filter((e) => {
  try {
    cron.parse(e);
    return true;
  } catch {
    return false;
  }
});

/** The instants this zone's offset changes in a year (found hour by hour, then to the second). */
function transitions(year: number): number[] {
  const out: number[] = [];
  const off = (ms: number) => new Date(ms).getTimezoneOffset();
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 3_600_000) {
    if (off(t) === off(t + 3_600_000)) continue;
    let [lo, hi] = [t, t + 3_600_000];
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (off(mid) === off(lo)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

const anyDate = fc.date({ min: new Date('1980-01-01T00:00:00Z'), max: new Date('2080-12-31T00:00:00Z'), noInvalidDate: true });
const nearTransition = fc
  .tuple(fc.integer({ min: 1990, max: 2060 }), fc.nat(), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }))
  .map(([year, pick, shift]) => {
    const ts = transitions(year);
    return ts.length ? new Date(ts[pick % ts.length] + shift) : new Date(Date.UTC(year, 2, 30) + shift);
  });
const when = fc.oneof(anyDate, nearTransition);

describe.each(ZONES)('cron times in %s, against node-cron', (zone) => {
  it('the next times from any instant are node-cron’s, three in a row', () => {
    process.env.TZ = zone;
    fc.assert(
      fc.property(validExpression, when, (expr, from) => {
        const o = oracle(expr, zone);
        try {
          const s = parseCron(expr);
          let a = from;
          let b = from;
          for (let i = 0; i < 3; i++) {
            const want = outcome(() => o.next(b));
            const got = outcome(() => nextCronTime(s, a));
            expect(got, `${expr} after ${a.toISOString()} (${zone})`).toBe(want);
            if (want === 'throws') break;
            a = new Date(got);
            b = new Date(want);
          }
        } finally {
          o.done();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('matches the same seconds as node-cron, hits and misses', () => {
    process.env.TZ = zone;
    fc.assert(
      fc.property(validExpression, when, fc.integer({ min: -2, max: 2 }), (expr, from, nudge) => {
        const o = oracle(expr, zone);
        try {
          const s = parseCron(expr);
          expect(cronMatches(s, from), `${expr} at ${from.toISOString()}`).toBe(o.match(from));
          // a time the schedule fires, and the seconds around it
          const hit = outcome(() => o.next(from));
          if (hit === 'throws') return;
          const at = new Date(Date.parse(hit) + nudge * 1000);
          expect(cronMatches(s, at), `${expr} at ${at.toISOString()}`).toBe(o.match(at));
        } finally {
          o.done();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('cron semantics, spelled out', () => {
  // Each case checked against node-cron too, so the spelling-out cannot drift from the oracle.
  const cases: [string, string, string, string[]][] = [
    // node-cron ANDs day of month and day of week (Vixie cron would OR them): Friday the 13th only
    ['0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z']],
    ['30 9 * * mon-fri', 'UTC', '2026-12-04T09:30:00Z', ['2026-12-07T09:30:00.000Z', '2026-12-08T09:30:00.000Z']],
    // a range that wraps: Saturday to Monday
    ['0 12 * * 6-1', 'UTC', '2026-12-02T00:00:00Z', ['2026-12-05T12:00:00.000Z', '2026-12-06T12:00:00.000Z', '2026-12-07T12:00:00.000Z']],
    ['0 0 L * *', 'UTC', '2028-02-01T00:00:00Z', ['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']],
    ['0 0 * * 5#2', 'UTC', '2026-12-01T00:00:00Z', ['2026-12-11T00:00:00.000Z', '2027-01-08T00:00:00.000Z']],
    ['*/20 0-1 * * *', 'UTC', '2026-12-02T00:50:00Z', ['2026-12-02T01:00:00.000Z', '2026-12-02T01:20:00.000Z']],
    // 02:30 does not exist in Berlin on 29 March 2026: node-cron moves on to the next day
    ['30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', ['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']],
    // 02:30 happens twice in Berlin on 25 October 2026: node-cron fires once
    ['30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', ['2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']],
    // 01:30 happens twice in New York on 1 November 2026: node-cron fires once
    ['30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']],
  ];
  it.each(cases)('%s in %s after %s', (expr, zone, from, want) => {
    process.env.TZ = zone;
    const s = parseCron(expr);
    const o = oracle(expr, zone);
    try {
      const got: string[] = [];
      const oracleGot: string[] = [];
      let a = new Date(from);
      let b = new Date(from);
      for (const _ of want) {
        a = nextCronTime(s, a);
        b = o.next(b);
        got.push(a.toISOString());
        oracleGot.push(b.toISOString());
      }
      expect(oracleGot).toEqual(want);
      expect(got).toEqual(want);
    } finally {
      o.done();
    }
  });

  it('reads and rejects expressions as node-cron does', () => {
    expect(() => parseCron('61 * * * *')).toThrow('61 is a invalid expression for minute');
    expect(() => parseCron('* * 31 2 *')).toThrow(/impossible day of month/);
    expect(() => parseCron('nonsense')).toThrow();
  });

  it('says so when a valid schedule never fires', () => {
    process.env.TZ = 'UTC';
    // the 30th day before the end of February never exists
    expect(() => nextCronTime(parseCron('0 0 L-30 2 *'), new Date('2026-01-01T00:00:00Z'))).toThrow('never fires within 100 years');
  });
});
