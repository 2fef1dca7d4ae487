import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../../../../../agent/model.ts';
import { RealRunner } from '../../../../../agent/runner.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { DEFAULT_IDENTITY_LIMITS, fileIdentity } from '../../../../../agent/collectors/common/identity.ts';
import { hashPolicy, linuxIdentity } from '../../../../../agent/collectors/linux/identity.ts';
import type { InventoryPart } from '../../../../../agent/collectors/types.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

// Hashing only what can match: the engine compares a process's sha256 with a reference copy's (equal
// sizes) or reports it for a tool its name already names; everything else keeps size and build-id.

const head = readFileSync(join(FIXTURES, 'linux/elf/x11vnc-head.bin'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const parts = (processes: ProcessInfo[]): Required<InventoryPart> => ({
  processes,
  packages: [],
  services: [],
  sockets: [],
  devices: [],
  settings: [],
  files: [],
  context: {},
});

/** Counts the files it hashes; everything else is the real file system. */
class CountingRunner extends RealRunner {
  hashed: string[] = [];
  override sha256(path: string, maxBytes?: number): Promise<string> {
    this.hashed.push(path);
    return super.sha256(path, maxBytes);
  }
}

describe('which binaries get a sha256', () => {
  it('hashes a renamed copy (same size as a reference) and a catalog name, not an unrelated binary', async () => {
    const big = Buffer.concat([head, Buffer.alloc(100, 7)]); // ELFs of other sizes
    const bigger = Buffer.concat([head, Buffer.alloc(200, 7)]);
    const runner = new ReplayRunner({
      files: { '/usr/bin/x11vnc': head, '/tmp/foo': head, '/usr/bin/bash': bigger, '/opt/x/anydesk': big },
      links: { '/proc/1/exe': '/tmp/foo', '/proc/2/exe': '/usr/bin/bash', '/proc/3/exe': '/opt/x/anydesk' },
    });
    const inv = parts([
      { pid: 1, name: 'foo', exe: '/tmp/foo' },
      { pid: 2, name: 'bash', exe: '/usr/bin/bash' },
      { pid: 3, name: 'anydesk', exe: '/opt/x/anydesk' },
    ]);
    await linuxIdentity.enrich({ runner, hints: { executableNames: ['x11vnc', 'anydesk'] }, allowProbes: false }, inv);
    const [foo, bash, anydesk] = inv.processes.map((p) => p.identity);
    expect(foo?.sha256).toBe(sha(head));
    expect(anydesk?.sha256).toBe(sha(big));
    expect(bash).toEqual({ size: bigger.length, elfBuildId: foo?.elfBuildId }); // build-id still read
    expect(bash?.elfBuildId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('matches truncated 15-character names by prefix, as the engine does, and never its own executable', () => {
    const policy = hashPolicy(['remotedesktopmanager'], new Set([4096]));
    expect(policy('/tmp/x', 'remotedesktopma')(1)).toBe(true);
    expect(policy('/tmp/x', 'remotedesk')(1)).toBe(false);
    expect(policy('/tmp/x')(4096)).toBe(true);
    expect(policy(process.execPath, 'remotedesktopmanager')(4096)).toBe(false);
  });
});

describe('fingerprints kept across scans', () => {
  it('reads an unchanged file once, and again once it changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-idcache-'));
    const f = join(dir, 'bin');
    writeFileSync(f, head);
    const runner = new CountingRunner();
    const first = await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS);
    const again = await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS);
    expect(again).toEqual(first);
    expect(first?.sha256).toBe(sha(head));
    expect(runner.hashed).toEqual([f]);
    writeFileSync(f, Buffer.concat([head, Buffer.from('x')]));
    const changed = await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS);
    expect(changed?.sha256).toBe(sha(Buffer.concat([head, Buffer.from('x')])));
    expect(runner.hashed).toEqual([f, f]);
  });

  it('hashes a file seen before without a hash once a hash is wanted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-idcache-'));
    const f = join(dir, 'bin');
    writeFileSync(f, head);
    const runner = new CountingRunner();
    expect((await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS, () => false))?.sha256).toBeUndefined();
    expect((await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS))?.sha256).toBe(sha(head));
    expect((await fileIdentity(runner, f, DEFAULT_IDENTITY_LIMITS, () => false))?.sha256).toBeUndefined();
    expect(runner.hashed).toEqual([f]);
  });
});
