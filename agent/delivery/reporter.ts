import { randomUUID } from 'node:crypto';
import { oneLine } from '../config/errors.ts';
import { stderrLine } from '../log-line.ts';
import { requireEndpoint } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import type { ScanResult } from '../model.ts';
import { Spool, SpoolCorruptError, type SpoolEntry } from '../spool/spool.ts';
import { ReportClient } from '../transport/client.ts';
import { needsEnrollment, readEnrollSecret } from '../transport/credentials.ts';
import { enrollAgent } from './enroll.ts';
import { retryDelay } from '../transport/retry.ts';
import { emptyState, planReport, stateProblem, type ReportedState } from '../report/plan.ts';
import type { NativeReport, ReportKind } from '../report/types.ts';

export interface ReporterDeps {
  /** One line per call, no trailing newline; default stderr. */
  log?: (line: string) => void;
  now?: () => Date;
  random?: () => number;
  env?: NodeJS.ProcessEnv; // where endpoint.tokenEnv is looked up; default process.env
  /** How long to wait for another ratwatch process holding the spool; default the request timeout + 5 s. */
  lockWaitMs?: number;
}

export interface EnqueueResult {
  reportId: string;
  kind: ReportKind;
  sequence: number;
  added: number;
  resolved: number;
}

export interface FlushResult {
  sent: number;
  rejected: number;
  quarantined: number;
  pending: number; // still waiting after this flush
  skipped?: 'backoff'; // nothing tried: the endpoint's retry time has not come
  retryAt?: string; // ISO time of the next attempt when reports are waiting on a failing endpoint
  error?: string; // one line, why delivery stopped
}

interface BackoffState {
  failures: number;
  nextAttemptAt: number; // epoch ms
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function backoffProblem(v: unknown): string | undefined {
  // any other JSON value (a number, a string, an array) simply has neither field
  const b = v as Partial<BackoffState> | null;
  return b !== null && Number.isInteger(b.failures) && Number.isFinite(b.nextAttemptAt) ? undefined : 'not a backoff record';
}

/**
 * Turns scan results into reports, keeps them in the durable spool and delivers them in order.
 * Safe to use from a daemon and a one-shot command at the same time (spool lock).
 */
export class Reporter {
  readonly spool: Spool;
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private readonly random: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  private opened = false;
  private agentIdValue?: string;

  constructor(
    readonly config: Config,
    private readonly deps: ReporterDeps = {},
  ) {
    this.log = deps.log ?? stderrLine;
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.spool = new Spool(config.spoolDir, { maxFiles: config.spoolMaxFiles, maxBytes: config.spoolMaxBytes, log: this.log });
  }

  private get lockWaitMs(): number {
    // a splunk-hec delivery may also wait for the indexer's acknowledgment while holding the lock
    const ep = this.config.endpoint;
    return this.deps.lockWaitMs ?? ep.timeoutMs + (ep.format === 'splunk-hec' ? ep.timeoutMs + (ep.hecAckWaitMs ?? 0) : 0) + 5000;
  }

  /** Runs fn after earlier calls of this Reporter finished (one operation at a time per process). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      if (!this.opened) {
        await this.locked(() => this.spool.open());
        this.opened = true;
      }
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Holds the cross-process spool lock for one short step (one enqueue, one report sent), so a one-shot
   * command never waits behind a whole delivery run of the daemon.
   */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.spool.locked(fn, this.lockWaitMs);
  }

  private async loadState(): Promise<ReportedState> {
    const record = this.spool.record('state');
    const { value, problem } = await record.readJson<ReportedState>(stateProblem);
    if (value) return value;
    if (problem) await record.quarantine(`${problem}; starting over with a full report`);
    return emptyState();
  }

  /** The last sequence number reserved, 0 when unknown (then state.json and the spool decide). */
  private async lastSequence(): Promise<number> {
    const { value } = await this.spool
      .record('sequence')
      .readJson<number>((v) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'not a sequence number'));
    return value ?? 0;
  }

  private async saveState(s: ReportedState): Promise<void> {
    await this.spool.record('state').writeJson(s);
  }

  /** A report with findings never reached the receiver: make the next report a full one. */
  private async forceFull(): Promise<void> {
    const s = await this.loadState();
    if (s.cycle > 0 && !s.forceFull) await this.saveState({ ...s, forceFull: true });
  }

  private async resolveAgentId(): Promise<string> {
    if (this.agentIdValue) return this.agentIdValue;
    if (this.config.agentId) return (this.agentIdValue = this.config.agentId);
    const record = this.spool.record('agentId');
    const stored = ((await record.read()) ?? '').trim();
    if (AGENT_ID.test(stored)) return (this.agentIdValue = stored);
    if (stored) this.log(`ratwatch: spool: ${record.file} is not a valid agent id; generating a new one`);
    const id = randomUUID();
    await record.write(`${id}\n`);
    return (this.agentIdValue = id);
  }

  /** The agent id reports carry (config agentId, else the one generated once and kept in the spool dir). */
  agentId(): Promise<string> {
    return this.serial(() => this.locked(() => this.resolveAgentId()));
  }

  /** Makes this cycle's report (full, delta or heartbeat) and stores it durably; delivery is flush's job. */
  enqueue(result: ScanResult): Promise<EnqueueResult> {
    return this.serial(() =>
      this.locked(async () => {
        const agentId = await this.resolveAgentId();
        const state = await this.loadState();
        const { report, state: next } = planReport({
          state,
          result,
          agentId,
          reportId: randomUUID(),
          fullStateEvery: this.config.fullStateEvery,
          now: this.now(),
          minSequence: Math.max(await this.spool.maxSequence(), await this.lastSequence()),
        });
        // The sequence number is reserved before the report is written and the findings are recorded
        // after it: a crash between the steps can leave a gap in the numbering or repeat a change under a
        // new reportId, but never loses a change or gives two reports one number. It is reserved in its own
        // file so that a lost or quarantined state.json, once the spool has been delivered, does not
        // restart the numbering at 1.
        await this.spool.record('sequence').write(`${report.sequence}\n`);
        await this.spool.put(report);
        await this.saveState(next);
        return {
          reportId: report.reportId,
          kind: report.kind,
          sequence: report.sequence,
          added: report.added.length,
          resolved: report.resolved.length,
        };
      }),
    );
  }

  private async loadBackoff(): Promise<BackoffState> {
    // a damaged one holds nothing back: it is replaced at the next failure, removed at the next success
    const { value: b } = await this.spool.record('backoff').readJson<BackoffState>(backoffProblem);
    if (!b) return { failures: 0, nextAttemptAt: 0 };
    // No delay is ever longer than retryMaxSeconds, so a time further off means the clock went back:
    // waiting for it would hold every report for as long as the clock moved (and overflow the daemon's timer).
    const now = this.now().getTime();
    return b.nextAttemptAt - now > this.config.retryMaxSeconds * 1000 ? { ...b, nextAttemptAt: now } : b;
  }

  private async saveBackoff(b: BackoffState): Promise<void> {
    const record = this.spool.record('backoff');
    if (b.failures === 0) await record.remove();
    else await record.writeJson(b);
  }

  private async failed(retryAfterMs?: number): Promise<number> {
    const b = await this.loadBackoff();
    const failures = b.failures + 1;
    const policy = { baseMs: this.config.retryBaseSeconds * 1000, maxMs: this.config.retryMaxSeconds * 1000 };
    const nextAttemptAt = this.now().getTime() + retryDelay(failures, retryAfterMs, policy, this.random);
    await this.saveBackoff({ failures, nextAttemptAt });
    return nextAttemptAt;
  }

  /** When the endpoint may be tried again, or undefined when nothing holds delivery back. */
  async retryAt(): Promise<Date | undefined> {
    const b = await this.loadBackoff();
    return b.failures ? new Date(b.nextAttemptAt) : undefined;
  }

  /**
   * Sends waiting reports oldest first. Stops at the first failure that may heal (network, timeout,
   * 408/429/5xx) so order is kept, and records when to try again; force ignores that time.
   */
  async flush(opts: { force?: boolean } = {}): Promise<FlushResult> {
    requireEndpoint(this.config);
    const endpoint = this.config.endpoint as Config['endpoint'] & { url: string };
    return this.serial(async () => {
      const res: FlushResult = { sent: 0, rejected: 0, quarantined: 0, pending: 0 };
      const { backoff, entries } = await this.locked(async () => {
        const found = { backoff: await this.loadBackoff(), entries: await this.spool.list() };
        // Nothing waits (the last failed report was rejected or quarantined): nothing to back off from.
        if (!found.entries.length && found.backoff.failures) await this.saveBackoff({ failures: 0, nextAttemptAt: 0 });
        return found;
      });
      if (!entries.length) return res;
      if (!opts.force && backoff.failures && backoff.nextAttemptAt > this.now().getTime()) {
        return { ...res, pending: entries.length, skipped: 'backoff', retryAt: new Date(backoff.nextAttemptAt).toISOString() };
      }
      const notEnrolled = await this.enrollFirst(endpoint);
      if (notEnrolled) {
        const at = await this.locked(() => this.failed());
        return { ...res, pending: entries.length, error: notEnrolled, retryAt: new Date(at).toISOString() };
      }
      let client: ReportClient;
      try {
        client = new ReportClient(endpoint, { env: this.deps.env, now: () => this.now().getTime(), records: this.spool, log: this.log });
      } catch (e) {
        const at = await this.locked(() => this.failed());
        return { ...res, pending: entries.length, error: oneLine(e), retryAt: new Date(at).toISOString() };
      }
      try {
        for (const e of entries) {
          if (await this.locked(() => this.deliverOne(client, e, res))) break;
        }
      } finally {
        client.close();
      }
      res.pending = (await this.locked(() => this.spool.list())).length;
      return res;
    });
  }

  /**
   * An agent given endpoint.enrollSecretFile and no key yet enrolls before its first delivery (under the
   * spool lock, so a daemon and a one-shot command never enroll twice). Returns why not, or undefined.
   */
  private async enrollFirst(endpoint: Config['endpoint'] & { url: string }): Promise<string | undefined> {
    if (!needsEnrollment(endpoint)) return undefined;
    return this.locked(async () => {
      if (!needsEnrollment(endpoint)) return undefined; // another process enrolled meanwhile
      let secret: string;
      try {
        secret = readEnrollSecret(endpoint.enrollSecretFile!);
      } catch (e) {
        return oneLine(e);
      }
      const agentId = await this.resolveAgentId();
      const r = await enrollAgent({ ...this.config, endpoint }, secret, agentId);
      if (r.outcome !== 'enrolled') return `not enrolled yet: ${r.reason}`;
      this.log(`ratwatch: enrolled as ${agentId}; key kept in ${r.keyFile}`);
      return undefined;
    });
  }

  /** Delivers one spooled report; true when delivery must stop for now. Runs under the spool lock. */
  private async deliverOne(client: ReportClient, e: SpoolEntry, res: FlushResult): Promise<boolean> {
    if (!(await this.spool.has(e))) return false; // another process sent it
    let report: NativeReport;
    try {
      report = await this.spool.read(e);
    } catch (err) {
      if (!(err instanceof SpoolCorruptError)) throw err;
      await this.spool.quarantine(e.name, err.message.slice(e.name.length + 2));
      res.quarantined += 1;
      if (e.kind !== 'heartbeat') await this.forceFull();
      return false;
    }
    const out = await client.send(report);
    if (out.outcome === 'delivered') {
      await this.spool.remove(e);
      res.sent += 1;
      // removed whatever it holds: a damaged one reads as no failures, and would otherwise stay forever
      await this.saveBackoff({ failures: 0, nextAttemptAt: 0 });
      return false;
    }
    if (out.outcome === 'rejected') {
      await this.spool.reject(e);
      res.rejected += 1;
      this.log(`ratwatch: report ${e.sequence} (${e.kind}, ${e.reportId}) rejected, kept in rejected/: ${out.reason}`);
      if (e.kind !== 'heartbeat') await this.forceFull();
      return false;
    }
    const at = await this.failed(out.retryAfterMs);
    res.error = out.reason;
    res.retryAt = new Date(at).toISOString();
    return true;
  }

  /** Puts reports the server refused back in the queue, e.g. after fixing a token. */
  requeueRejected(): Promise<number> {
    return this.serial(() => this.locked(() => this.spool.requeueRejected()));
  }

  counts(): Promise<{ pending: number; rejected: number }> {
    return this.serial(() =>
      this.locked(async () => ({ pending: (await this.spool.list()).length, rejected: await this.spool.countRejected() })),
    );
  }
}
