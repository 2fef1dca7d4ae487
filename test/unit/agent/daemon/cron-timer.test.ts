import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCron } from '../../../../agent/daemon/cron-time.ts';
import { planBeat, startCronTimer } from '../../../../agent/daemon/cron-timer.ts';

// What the daemon's timer does when it wakes: run the time that is due, skip the ones a sleeping
// machine missed (as node-cron's runner does: a second late at most), and look for the next one.

const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

describe('planBeat', () => {
  const hourly = parseCron('0 * * * *');

  it('runs a time it wakes for on time or up to a second late, and waits for the next', () => {
    for (const now of ['2026-12-02T10:00:00Z', '2026-12-02T10:00:01Z']) {
      const p = planBeat(hourly, at('2026-12-02T10:00:00Z'), at(now));
      expect([iso(p.run), iso(p.next), p.missed.length]).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T11:00:00.000Z', 0]);
    }
  });

  it('waits again when it wakes early (a timer of at most a day, or a clock set back)', () => {
    const p = planBeat(hourly, at('2026-12-02T10:00:00Z'), at('2026-12-02T09:59:59Z'));
    expect([p.run, iso(p.next), p.missed.length]).toEqual([undefined, '2026-12-02T10:00:00.000Z', 0]);
  });

  it('skips the times a machine asleep missed, and does not run them in a burst', () => {
    const p = planBeat(hourly, at('2026-12-02T10:00:00Z'), at('2026-12-02T13:20:00Z'));
    expect(p.run).toBeUndefined();
    expect(p.missed.map((d) => d.toISOString())).toEqual([
      '2026-12-02T10:00:00.000Z',
      '2026-12-02T11:00:00.000Z',
      '2026-12-02T12:00:00.000Z',
      '2026-12-02T13:00:00.000Z',
    ]);
    expect(iso(p.next)).toBe('2026-12-02T14:00:00.000Z');
  });

  it('runs the time that is due after missing earlier ones', () => {
    const everySecond = parseCron('* * * * * *');
    const p = planBeat(everySecond, at('2026-12-02T10:00:00Z'), at('2026-12-02T10:00:03Z'));
    // 10:00:02 is a second late, but as late as the gap to the next time: node-cron skips it too
    expect([iso(p.run), iso(p.next), p.missed.length]).toEqual(['2026-12-02T10:00:03.000Z', '2026-12-02T10:00:04.000Z', 3]);
  });

  it('walks a bounded number of missed times, then looks from now (a week asleep on a per-second schedule)', () => {
    const everySecond = parseCron('* * * * * *');
    const p = planBeat(everySecond, at('2026-12-02T10:00:00Z'), at('2026-12-09T10:00:00Z'));
    expect(p.missed.length).toBe(10_000);
    expect(iso(p.next)).toBe('2026-12-09T10:00:01.000Z');
  });
});

describe('startCronTimer', () => {
  it('fires on the schedule and stops', async () => {
    const fired: Date[] = [];
    await new Promise<void>((done) => {
      const timer = startCronTimer(parseCron('* * * * * *'), (d) => {
        fired.push(d);
        if (fired.length === 2) {
          timer.stop();
          done();
        }
      });
    });
    expect(fired[1].getTime() - fired[0].getTime()).toBeGreaterThanOrEqual(1000);
    expect(fired.every((d) => d.getMilliseconds() === 0)).toBe(true);
  });

  it('throws at start when the schedule never fires', () => {
    expect(() => startCronTimer(parseCron('0 0 L-30 2 *'), () => undefined)).toThrow('never fires');
  });
});
