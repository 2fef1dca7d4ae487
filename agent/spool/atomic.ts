import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

// A report must survive a power cut or kill -9 at any instant: either the old file, or the complete new
// one, never half of it. Hence write to a temp name, fsync, rename over, fsync the directory.

export const TMP_PREFIX = '.tmp-';

/** fsync on a directory handle is how POSIX makes a rename durable; Windows refuses it and needs nothing. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await fh?.close();
  }
}

export async function atomicWrite(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${TMP_PREFIX}${path.basename(file)}-${randomBytes(6).toString('hex')}`);
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

/** Moves a file within the same filesystem durably (rename + fsync of both directories). */
export async function durableMove(from: string, to: string): Promise<void> {
  await fs.rename(from, to);
  await fsyncDir(path.dirname(to));
  if (path.dirname(from) !== path.dirname(to)) await fsyncDir(path.dirname(from));
}

/** Creates the directory owner-only, and tightens one that already exists with wider rights. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const st = await fs.stat(dir);
    if ((st.mode & 0o777) !== 0o700) await fs.chmod(dir, 0o700);
  }
}
