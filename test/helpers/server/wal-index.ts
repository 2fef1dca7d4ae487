import { readSync } from 'node:fs';

/**
 * A SQLite log's frames and how many of them are copied back, from the wal-index header in the -shm file
 * (mxFrame at byte 16, nBackfill at byte 96, native byte order; sqlite.org/walformat.html): read without a
 * connection, so reading it takes no lock and changes nothing. `shm` is the open -shm file's descriptor.
 */
export function walFrames(shm: number | undefined): { frames: number; backfilled: number } | undefined {
  if (shm === undefined) return undefined;
  const b = Buffer.alloc(100);
  if (readSync(shm, b, 0, 100, 0) < 100) return undefined;
  return { frames: b.readUInt32LE(16), backfilled: b.readUInt32LE(96) };
}
