// The SQLite checkpointer's thread (wal-checkpointer.ts): its own connection to the database file runs
// passive checkpoints on request and answers with SQLite's counts. Plain JavaScript: a worker thread does
// not get the tsx loader the server runs under.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const oneLine = (e) => String(e?.message ?? e).split('\n')[0];
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
} catch (e) {
  // said as a message: an error object thrown here does not always cross to the main thread intact
  parentPort.postMessage({ fatal: oneLine(e) });
  process.exit(1);
}
parentPort.on('message', (m) => {
  if (m === 'checkpoint') {
    try {
      // PASSIVE waits for no reader and no writer: it copies what is committed and returns.
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
    } catch (e) {
      parentPort.postMessage({ error: oneLine(e) });
    }
  } else if (m === 'close') {
    db.close();
    parentPort.close();
  }
});
