import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { OWN_FILE_NAMES, RECORD_MAX_BYTES, SPOOL_FILES } from '../../../../agent/spool/records.ts';
import { finding, reportConfig, scanResult } from '../../../helpers/report-helpers.ts';
import { pendingReports, spoolFactory } from '../../../helpers/spool.ts';

// The spool's own files (state, backoff, agent id, sequence, HEC channel and state) go through one API:
// what is on disk after a planted, linked, foreign, oversized or blocking file, and after a failed write.

const { root, fresh, newSpool } = spoolFactory('ratwatch-records-');
const isRoot = process.getuid?.() === 0;

function reporter(dir = fresh()) {
  const logs: string[] = [];
  return { dir, logs, r: new Reporter(reportConfig(dir), { log: (l) => logs.push(l) }) };
}

describe('spool record names', () => {
  it('keeps the on-disk names of earlier versions, so existing spools keep working', () => {
    expect(SPOOL_FILES).toEqual({
      state: 'state.json',
      backoff: 'backoff.json',
      agentId: 'agent-id',
      sequence: 'sequence',
      hecChannel: 'hec-channel',
      hecState: 'hec-state.json',
      agentKey: 'agent-key',
      lock: 'lock',
      hashCache: 'hash-cache.json',
      daemonSocket: 'daemon.sock',
    });
    expect([...OWN_FILE_NAMES].sort()).toEqual(Object.values(SPOOL_FILES).sort());
  });

  it('a spool written by the reporter holds only known names, owner-only, and no temp file', async () => {
    const { r, dir } = reporter();
    await r.enqueue(scanResult([finding('a:1')]));
    const names = readdirSync(dir).sort();
    const known = names.filter((n) => OWN_FILE_NAMES.has(n));
    expect(known).toEqual(['agent-id', 'sequence', 'state.json']);
    expect(names.filter((n) => !OWN_FILE_NAMES.has(n) && n !== 'quarantine' && n !== 'rejected')).toEqual(pendingReports(dir));
    for (const n of known) expect(statSync(join(dir, n)).mode & 0o777, n).toBe(0o600);
  });
});

describe('a record that cannot be trusted is set aside, never read', () => {
  it('a state.json linked to a forged file is quarantined as a link; the target is untouched and a full report follows', async () => {
    const { r, dir, logs } = reporter();
    await r.enqueue(scanResult([finding('a:1')]));
    await r.enqueue(scanResult([finding('a:1')]));
    // a forged state that says a:1 was reported: followed, the next report would be an empty delta
    const forged = join(root, `forged-${Date.now()}.json`);
    writeFileSync(forged, readFileSync(join(dir, 'state.json')));
    const before = readFileSync(forged, 'utf8');
    const state = join(dir, 'state.json');
    execFileSync('/bin/rm', [state]);
    symlinkSync(forged, state);
    const q = await r.enqueue(scanResult([finding('a:1')]));
    expect(q).toMatchObject({ kind: 'full', sequence: 3, added: 1 });
    expect(lstatSync(join(dir, 'quarantine', 'state.json')).isSymbolicLink()).toBe(true);
    expect(lstatSync(state).isFile()).toBe(true); // a fresh one, written in its place
    expect(readFileSync(forged, 'utf8')).toBe(before);
    expect(logs).toEqual(['ratwatch: spool: quarantined state.json: is a symbolic link (not followed)']);
  });

  it('a state.json owned by another user is quarantined', async () => {
    if (!isRoot) throw new Error('this test chowns a file to another user: run the tests as root, as the README says');
    const { r, dir, logs } = reporter();
    await r.enqueue(scanResult([finding('a:1')]));
    chownSync(join(dir, 'state.json'), 65534, 65534);
    expect(await r.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'full', added: 1 });
    expect(statSync(join(dir, 'quarantine', 'state.json')).uid).toBe(65534);
    expect(statSync(join(dir, 'state.json')).uid).toBe(process.getuid!());
    expect(logs).toEqual([
      expect.stringMatching(/^ratwatch: spool: quarantined state\.json: refused, owned by uid 65534, not by this agent \(uid \d+\)$/),
    ]);
  });

  it('an oversized backoff.json is quarantined without being read, and holds nothing back', async () => {
    const { r, dir, logs } = reporter();
    await r.agentId();
    writeFileSync(join(dir, 'backoff.json'), '');
    truncateSync(join(dir, 'backoff.json'), RECORD_MAX_BYTES + 1); // sparse: no disk used
    expect(await r.retryAt()).toBeUndefined();
    expect(existsSync(join(dir, 'backoff.json'))).toBe(false);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual(['backoff.json']);
    expect(logs).toEqual([`ratwatch: spool: quarantined backoff.json: larger than ${RECORD_MAX_BYTES} bytes`]);
  });

  it('a FIFO named sequence does not hang the reporter: it is quarantined and numbering goes on from the spool', async () => {
    const { r, dir, logs } = reporter();
    await r.enqueue(scanResult([]));
    execFileSync('/bin/rm', [join(dir, 'sequence')]);
    execFileSync('/usr/bin/mkfifo', [join(dir, 'sequence')]);
    expect(await r.enqueue(scanResult([]))).toMatchObject({ sequence: 2 });
    expect(lstatSync(join(dir, 'quarantine', 'sequence')).isFIFO()).toBe(true);
    expect(readFileSync(join(dir, 'sequence'), 'utf8')).toBe('2\n');
    expect(logs).toEqual(['ratwatch: spool: quarantined sequence: a FIFO, not a regular file']);
  });

  it("damaged content that is the agent's own is handled by its owner: a bad backoff is ignored in place, not quarantined", async () => {
    const { r, dir, logs } = reporter();
    await r.agentId();
    writeFileSync(join(dir, 'backoff.json'), '{"failures":"x"}');
    expect(await r.retryAt()).toBeUndefined();
    expect(readFileSync(join(dir, 'backoff.json'), 'utf8')).toBe('{"failures":"x"}');
    expect(logs).toEqual([]);
  });
});

describe('after a failed write', () => {
  it('a write over a folder fails, leaving the folder and no temp file', async () => {
    const { spool } = await newSpool();
    const record = spool.record('state');
    mkdirSync(record.file);
    await expect(record.write('{}')).rejects.toThrow(/EISDIR/);
    expect(readdirSync(spool.dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect(statSync(record.file).isDirectory()).toBe(true);
  });

  it('the reporter sets a folder squatting on state.json aside and writes a good one', async () => {
    const { r, dir, logs } = reporter();
    await r.agentId();
    mkdirSync(join(dir, 'state.json'));
    expect(await r.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'full', sequence: 1 });
    expect(statSync(join(dir, 'quarantine', 'state.json')).isDirectory()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ schema: 'ratwatch.state/1', sequence: 1 });
    expect(logs).toEqual(['ratwatch: spool: quarantined state.json: a folder, not a regular file']);
  });
});
