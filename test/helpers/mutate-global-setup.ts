import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from './report-helpers.ts';

// The mutation run re-runs a test file for every mutant; making the delivery test certificates once here
// (three openssl calls) instead of in each file's beforeAll saves seconds per mutant. Test files read the
// folder through sharedCerts() (test/e2e/report-helpers.ts) and make their own when it is not set.
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ratwatch-mutate-certs-'));
  makeCerts(dir);
  process.env.RATWATCH_TEST_CERTS_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
