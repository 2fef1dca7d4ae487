import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export interface Artifact {
  file: string;
  bytes: number;
  sha256: string;
}

/** Hashes the files that exist and writes them to <dir>/SHA256SUMS in `sha256sum -c` format. */
export async function writeChecksums(dir: string, files: string[]): Promise<Artifact[]> {
  const present = files.filter((f) => existsSync(f));
  const out: Artifact[] = [];
  for (const f of present) out.push({ file: f, bytes: statSync(f).size, sha256: await sha256File(f) });
  const lines = out.map((a) => `${a.sha256}  ${path.relative(dir, a.file).split(path.sep).join('/')}\n`);
  writeFileSync(path.join(dir, 'SHA256SUMS'), lines.join(''));
  return out;
}
