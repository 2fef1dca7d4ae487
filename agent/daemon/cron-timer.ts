import { type CronSchedule, nextCronTime } from './cron-time.ts';

// Fires a callback at each time of a cron schedule, the way node-cron's runner does: one timer to the
// next time (at most a day long, then it looks again), a time is run when the timer is at most a second
// late, and times missed beyond that (a machine asleep or a stalled process) are skipped and reported
// once, never run in a burst.

const MAX_DELAY_MS = 86_400_000;
const TOLERANCE_MS = 1000;
/** A beat walks past at most this many missed times one by one, then looks from now (a week asleep on a per-second schedule). */
const MAX_MISSED_WALK = 10_000;

export interface CronTimer {
  stop(): void;
}

export interface CronTimerOptions {
  /** Called with how many times were missed and the first of them. */
  missed?: (count: number, first: Date) => void;
  now?: () => number;
}

const wholeSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

/** What a beat at `now` does: the time to run, if one is due, and the next time to wait for. */
export function planBeat(s: CronSchedule, expected: Date, now: Date): { run?: Date; next: Date; missed: Date[] } {
  const missed: Date[] = [];
  let slot = expected;
  for (;;) {
    if (now.getTime() < slot.getTime()) return { missed, next: slot };
    const next = nextCronTime(s, slot);
    const lateBy = now.getTime() - slot.getTime();
    if (lateBy <= TOLERANCE_MS && lateBy < next.getTime() - slot.getTime()) return { missed, run: slot, next };
    missed.push(slot);
    if (missed.length >= MAX_MISSED_WALK) return { missed, next: nextCronTime(s, now) };
    slot = next;
  }
}

/** Starts the timer; throws (from nextCronTime) when the schedule never fires. */
export function startCronTimer(s: CronSchedule, fire: (at: Date) => void, opts: CronTimerOptions = {}): CronTimer {
  const now = opts.now ?? Date.now;
  let expected = nextCronTime(s, wholeSecond(now()));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(beat, Math.min(MAX_DELAY_MS, Math.max(0, expected.getTime() - now())));
  };
  const beat = () => {
    const plan = planBeat(s, expected, wholeSecond(now()));
    expected = plan.next;
    if (plan.missed.length > 0) opts.missed?.(plan.missed.length, plan.missed[0]);
    if (plan.run) fire(plan.run);
    arm();
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
