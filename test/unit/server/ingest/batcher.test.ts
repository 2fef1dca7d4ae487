import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { IngestBatcher } from '../../../../server/ingest/batcher.ts';
import type { IngestItem, IngestOutcome } from '../../../../server/ingest/report-types.ts';
import type { Store } from '../../../../server/store/types.ts';
import { item, SimAgent } from '../../../helpers/server/reports.ts';

// The batcher's pipeline against a store whose commits the test completes by hand: each group commit is
// "committed" (onCommitted) at once or never (PostgreSQL-like), and "durable" (ingest resolves) only when
// the test says so. Nothing is timed: the test looks at what happened after the event loop went round.

interface Commit {
  items: IngestItem[];
  durable: () => void;
}

function gatedStore(o: { pipelines: boolean }): { store: Store; commits: Commit[] } {
  const commits: Commit[] = [];
  const store = {
    ingest(items: IngestItem[], _interval: number, onCommitted?: () => void): Promise<IngestOutcome[]> {
      return new Promise((resolve) => {
        commits.push({ items, durable: () => resolve(items.map(() => 'stored')) });
        if (o.pipelines) onCommitted?.();
      });
    },
  } as unknown as Store;
  return { store, commits };
}

const rounds = async (n = 5) => {
  for (let i = 0; i < n; i++) await tick();
};

function tracked(b: IngestBatcher, it: IngestItem) {
  const t = { settled: false, outcome: undefined as IngestOutcome | undefined };
  void b.submit(it).then((o) => {
    t.settled = true;
    t.outcome = o;
  });
  return t;
}

const agent = new SimAgent('pipe-1', 'pipe-1');
const report = () => item(agent.next([]));

describe('IngestBatcher pipeline', () => {
  it('applies the next batch while the previous one is being made durable, and answers each only once its own is', async () => {
    const { store, commits } = gatedStore({ pipelines: true });
    const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 10, defaultIntervalS: 3600 });
    const a = tracked(b, report());
    await rounds();
    expect(commits).toHaveLength(1);
    const second = [tracked(b, report()), tracked(b, report())];
    await rounds();
    expect(commits).toHaveLength(2); // applied while the first is not durable yet
    expect(commits[1].items).toHaveLength(2);
    const third = tracked(b, report());
    await rounds();
    expect(commits).toHaveLength(2); // two in flight at most: the third waits
    expect([a.settled, ...second.map((t) => t.settled), third.settled]).toEqual([false, false, false, false]);
    commits[1].durable();
    await rounds();
    expect(second.map((t) => t.outcome)).toEqual(['stored', 'stored']);
    expect(a.settled).toBe(false); // its own commit is not durable yet, whatever came after
    expect(commits).toHaveLength(3);
    commits[0].durable();
    commits[2].durable();
    await rounds();
    expect([a.outcome, third.outcome]).toEqual(['stored', 'stored']);
  });

  it('runs one batch at a time with a store that does not report commits before they are durable', async () => {
    const { store, commits } = gatedStore({ pipelines: false });
    const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 10, defaultIntervalS: 3600 });
    const a = tracked(b, report());
    await rounds();
    const later = tracked(b, report());
    await rounds();
    expect(commits).toHaveLength(1);
    commits[0].durable();
    await rounds();
    expect(a.outcome).toBe('stored');
    expect(commits).toHaveLength(2);
    expect(later.settled).toBe(false);
    commits[1].durable();
    await rounds();
    expect(later.outcome).toBe('stored');
  });

  it('starts again for a report submitted after every batch finished', async () => {
    const { store, commits } = gatedStore({ pipelines: true });
    const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 10, defaultIntervalS: 3600 });
    const a = tracked(b, report());
    await rounds();
    commits[0].durable();
    await rounds();
    expect(a.outcome).toBe('stored');
    const c = tracked(b, report());
    await rounds();
    expect(commits).toHaveLength(2);
    commits[1].durable();
    await rounds();
    expect(c.outcome).toBe('stored');
  });
});

describe('IngestBatcher commit interval', () => {
  it('commits a report after a quiet spell at once, then gathers the next ones until maxBatch wait', async () => {
    const { store, commits } = gatedStore({ pipelines: true });
    const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 4, defaultIntervalS: 3600, commitIntervalMs: 3600_000 });
    const first = tracked(b, report());
    await rounds();
    expect(commits).toHaveLength(1);
    commits[0].durable();
    const next = [tracked(b, report()), tracked(b, report()), tracked(b, report())];
    await rounds(20);
    expect(first.outcome).toBe('stored');
    expect(commits).toHaveLength(1); // within the interval and fewer than maxBatch: they wait for more
    next.push(tracked(b, report()));
    await rounds();
    expect(commits).toHaveLength(2);
    expect(commits[1].items).toHaveLength(4);
    commits[1].durable();
    await rounds();
    expect(next.map((t) => t.outcome)).toEqual(['stored', 'stored', 'stored', 'stored']);
  });

  it('never holds back one sender whose reports come one after another', async () => {
    const { store, commits } = gatedStore({ pipelines: true });
    const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 64, defaultIntervalS: 3600, commitIntervalMs: 3600_000 });
    for (let i = 0; i < 3; i++) {
      const t = tracked(b, report());
      await rounds();
      expect(commits).toHaveLength(i + 1);
      commits[i].durable();
      await rounds();
      expect(t.outcome).toBe('stored');
    }
  });

  it('commits what waits once the interval since the last batch began has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { store, commits } = gatedStore({ pipelines: true });
      const b = new IngestBatcher(store, { maxQueue: 100, maxBatch: 64, defaultIntervalS: 3600, commitIntervalMs: 10 });
      tracked(b, report());
      await rounds();
      const later = [tracked(b, report()), tracked(b, report())];
      await rounds();
      expect(commits).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10);
      await rounds();
      expect(commits).toHaveLength(2);
      expect(commits[1].items).toHaveLength(2);
      commits[0].durable();
      commits[1].durable();
      await rounds();
      expect(later.map((t) => t.outcome)).toEqual(['stored', 'stored']);
    } finally {
      vi.useRealTimers();
    }
  });
});
