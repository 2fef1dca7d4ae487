import type { Store } from '../store/types.ts';
import type { IngestItem, IngestOutcome } from './report-types.ts';

// Group commit: reports that arrive while a transaction is being written go into the next one, so one
// fsync acknowledges many reports. Each caller's promise resolves only after its transaction committed.

export class Overloaded extends Error {}

interface Waiting { item: IngestItem; resolve: (o: IngestOutcome) => void; reject: (e: unknown) => void }

export class IngestBatcher {
  private queue: Waiting[] = [];
  private running = false;

  constructor(private readonly store: Store, private readonly o: { maxQueue: number; maxBatch: number; defaultIntervalS: number }) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(item: IngestItem): Promise<IngestOutcome> {
    if (this.queue.length >= this.o.maxQueue) return Promise.reject(new Overloaded('ingest queue full'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.o.maxBatch);
        // The same report twice in one batch: the second is a duplicate of the first.
        const first = new Map<string, number>();
        const unique: Waiting[] = [];
        batch.forEach((w) => {
          if (!first.has(w.item.report.reportId)) {
            first.set(w.item.report.reportId, unique.length);
            unique.push(w);
          }
        });
        try {
          const outcomes = await this.store.ingest(unique.map((w) => w.item), this.o.defaultIntervalS);
          for (const w of batch) {
            const i = first.get(w.item.report.reportId)!;
            w.resolve(unique[i] === w ? outcomes[i] : 'duplicate');
          }
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
