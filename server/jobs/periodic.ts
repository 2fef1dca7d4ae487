import { errorLine } from '../../agent/log-line.ts';
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/types.ts';

// Work that must run once per interval across all server instances: liveness, laptop-farm correlation
// and retention. Each job takes a leased row (job_leases) for its interval; an instance that does not
// get the lease skips the round, so two instances on one PostgreSQL never run the same round twice.

export interface PeriodicOptions {
  store: Store;
  now: () => Date;
  intervalMs: number;
  retentionDays: number;
  /** The farm round (farm-round.ts): settings from the database, alerts raised, groups stored. */
  farmRound?: (now: Date) => Promise<{ created: number }>;
  /** Hands open, not yet notified alerts (liveness, tamper, ...) to the notifiers (alert-delivery.ts). */
  deliverAlerts?: (now: Date) => Promise<{ notified: number }>;
  /** SIEM forwarding (siem-round.ts): fills the outbox and delivers what is due, within `budgetMs`. */
  siemRound?: (now: Date, budgetMs: number) => Promise<SiemRoundResult>;
  log: (line: string) => void;
}

export interface SiemRoundResult {
  enqueued: number;
  sent: number;
  failed: number;
  /** Oldest events dropped from a full outbox this round. */
  dropped: number;
}
export interface RoundResult {
  ran: string[];
  skipped: string[];
  alertsRaised: number;
  purged?: Record<string, number>;
  notified?: number;
  siem?: SiemRoundResult;
}

export class PeriodicJobs {
  readonly holder = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<RoundResult>;

  constructor(private readonly o: PeriodicOptions) {}

  start(): void {
    this.timer = setInterval(
      () => void this.round().catch((e) => this.o.log(`ratwatch-server: periodic job failed: ${errorLine(e)}`)),
      this.o.intervalMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async lease(name: string, everyMs: number): Promise<boolean> {
    const now = this.o.now();
    // The lease ends a little before the next round so clock drift between instances never skips one.
    return this.o.store.tryLease(name, this.holder, now.toISOString(), new Date(now.getTime() + everyMs * 0.9).toISOString());
  }

  /** One round of every job whose lease this instance gets. */
  round(): Promise<RoundResult> {
    this.running = this.runRound();
    return this.running;
  }

  private async runRound(): Promise<RoundResult> {
    const res: RoundResult = { ran: [], skipped: [], alertsRaised: 0 };
    const s = this.o.store;
    if (await this.lease('liveness', this.o.intervalMs)) {
      const changes = await s.updateLiveness(this.o.now());
      res.alertsRaised += changes.length;
      res.ran.push('liveness');
    } else res.skipped.push('liveness');
    if (this.o.farmRound && (await this.lease('farm-correlation', this.o.intervalMs))) {
      res.alertsRaised += (await this.o.farmRound(this.o.now())).created;
      res.ran.push('farm-correlation');
    } else res.skipped.push('farm-correlation');
    if (this.o.deliverAlerts) {
      // After the farm round, so its new alerts go out in the same round. No lease: each alert is claimed
      // in its row, so instances may sweep at once without sending twice.
      res.notified = (await this.o.deliverAlerts(this.o.now())).notified;
      res.ran.push('alert-delivery');
    }
    if (this.o.siemRound && (await this.lease('siem-forwarding', this.o.intervalMs))) {
      // Half the lease: the round ends well before another instance may take the next one.
      res.siem = await this.o.siemRound(this.o.now(), this.o.intervalMs * 0.45);
      res.ran.push('siem-forwarding');
    } else if (this.o.siemRound) res.skipped.push('siem-forwarding');
    if (await this.lease('retention', Math.max(this.o.intervalMs, 3600_000))) {
      const cutoff = new Date(this.o.now().getTime() - this.o.retentionDays * 86_400_000).toISOString();
      const now = this.o.now();
      res.purged = {
        ...(await s.purgeBefore(cutoff)),
        sessions: await s.purgeSessions(now.toISOString(), new Date(now.getTime() - 86_400_000).toISOString()),
      };
      res.ran.push('retention');
    } else res.skipped.push('retention');
    return res;
  }
}
