// The SQLite checkpointer's thread (wal-checkpointer.ts): its own connection to the database file runs the
// checkpoints the main thread asks for and answers with SQLite's counts. Plain JavaScript: a worker thread
// does not get the tsx loader the server runs under.
import { fsyncSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// Passes of PASSIVE until one copies no more than this many frames: what ingest appends meanwhile, which the
// RESTART that may follow copies while it holds the write lock, is then what a few milliseconds append.
const SMALL_PASS_FRAMES = 256;
const MAX_PASSES = 4;
const CATCH_UP_PASSES = 3;

const oneLine = (e) => String(e?.message ?? e).split('\n')[0];
let db;
try {
  // The busy timeout only matters to RESTART (PASSIVE never waits): it bounds how long the thread waits for
  // the write lock and for readers while the main thread holds ingest back (wal-checkpointer.ts).
  db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs ?? 100 });
} catch (e) {
  // said as a message: an error object thrown here does not always cross to the main thread intact
  parentPort.postMessage({ fatal: oneLine(e) });
  process.exit(1);
}
const counts = (r) => ({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
parentPort.on('message', (m) => {
  if (m === 'checkpoint') {
    try {
      // PASSIVE waits for no reader and no writer: it copies what is committed and returns. The log's
      // frames, as SQLite counts them, are those at the pass's start; its backfilled ones, at its end.
      let r;
      let copied = Number.POSITIVE_INFINITY;
      let frames = 0; // the longest the log was
      for (let pass = 1; pass <= MAX_PASSES && copied > SMALL_PASS_FRAMES; pass++) {
        const before = r?.checkpointed ?? 0;
        [r] = db.pragma('wal_checkpoint(PASSIVE)');
        frames = Math.max(frames, r.log);
        // a log restarted since the last pass starts from frame 1
        copied = r.checkpointed - (r.log >= before ? before : 0);
        if (r.busy || r.checkpointed < r.log) break; // a reader holds frames back: more passes would not help
      }
      let caughtUp = false;
      if (workerData.dbFd !== undefined && r.log >= workerData.restartFrames && !r.busy && r.checkpointed === r.log) {
        // A pass syncs the database only when no commit landed meanwhile, so under ingest the pages it copied
        // are still to be written out: a RESTART would sync them all while it holds the write lock. Synced
        // here, the RESTART's own sync has only what the last passes and the RESTART copy.
        fsyncSync(workerData.dbFd);
        // More passes, each taking what was committed during the last, until one finds nothing new: the
        // RESTART then has nothing to copy or sync. One that finds a shorter log finds that a commit began
        // while every frame was copied back and started the log again itself: no RESTART is needed. (A pass
        // that finds nothing new does not mean the next commit will: it does not when a pass holds the read
        // locks as it begins, so the RESTART still runs then.)
        for (let i = 0; i < CATCH_UP_PASSES; i++) {
          const last = r;
          [r] = db.pragma('wal_checkpoint(PASSIVE)');
          if (r.busy || r.checkpointed < r.log) break;
          frames = Math.max(frames, r.log);
          if (r.log < last.log) caughtUp = true;
          if (r.log <= last.log) break;
        }
      }
      parentPort.postMessage({ op: 'checkpoint', ...counts(r), frames, caughtUp });
    } catch (e) {
      parentPort.postMessage({ op: 'checkpoint', error: oneLine(e) });
    }
  } else if (m === 'restart') {
    try {
      // RESTART takes the write lock, copies what the passes left, syncs the database and, once no reader
      // uses the log, resets it: the next commit writes from the log's start. If the busy timeout runs out
      // first, it has done what PASSIVE would and says busy.
      const t = performance.now();
      const [r] = db.pragma('wal_checkpoint(RESTART)');
      parentPort.postMessage({ op: 'restart', ...counts(r), ms: performance.now() - t });
    } catch (e) {
      parentPort.postMessage({ op: 'restart', error: oneLine(e) });
    }
  } else if (m === 'close') {
    db.close();
    parentPort.close();
  }
});
