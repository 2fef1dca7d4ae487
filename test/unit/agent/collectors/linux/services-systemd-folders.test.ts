import { describe, expect, it } from 'vitest';
import { linuxSystemd } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { type DirEntry, RunnerError } from '../../../../../agent/runner.ts';
import { ReplayRunner, type ReplaySpec } from '../../../../helpers/replay-runner.ts';

// A unit's file is looked up in the folders that list it, not read in every folder of the search order.

const VENDOR = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';
const installation = {
  [`${VENDOR}/systemd-journald.service`]: '[Service]\nExecStart=/usr/lib/systemd/systemd-journald\n',
  [`${VENDOR}/x11vnc.service`]: '[Service]\nExecStart=/usr/bin/x11vnc -forever\n',
  [`${VENDOR}/getty@.service`]: '[Service]\nExecStart=/sbin/agetty %I\n',
  [`${ETC}/x11vnc.service`]: '[Service]\nExecStart=/usr/bin/x11vnc -forever -localhost\n',
  [`${ETC}/other.service`]: '[Service]\nExecStart=/usr/bin/other\n',
};
const ctx = (runner: ReplayRunner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });

/** Records the unit files the collector tries to read; folders in `unlistable` refuse to be listed. */
class RecordingRunner extends ReplayRunner {
  readonly reads: string[] = [];
  constructor(
    spec: ReplaySpec,
    private readonly unlistable: string[] = [],
  ) {
    super(spec);
  }
  override async readFile(path: string, maxBytes?: number): Promise<Buffer> {
    if (path.endsWith('.service')) this.reads.push(path);
    return super.readFile(path, maxBytes);
  }
  override async readDir(path: string): Promise<DirEntry[]> {
    if (this.unlistable.includes(path)) throw new RunnerError(`cannot list ${path}: EACCES`, 'EACCES');
    return super.readDir(path);
  }
}

describe('linux.systemd unit file lookup', () => {
  it('reads each unit only where its folder lists it, templates included, first folder winning', async () => {
    const runner = new RecordingRunner({ files: installation });
    const { services = [] } = await linuxSystemd.collect(ctx(runner));
    expect(services.find((s) => s.name === 'x11vnc')).toMatchObject({ file: `${ETC}/x11vnc.service`, args: '-forever -localhost' });
    expect(services.find((s) => s.name === 'getty@')).toMatchObject({ file: `${VENDOR}/getty@.service`, path: '/sbin/agetty' });
    expect(runner.reads.filter((p) => !(p in installation))).toEqual([]);
  });

  it('tries every file of a folder it cannot list, and finds the same units', async () => {
    const listed = await linuxSystemd.collect(ctx(new RecordingRunner({ files: installation })));
    const runner = new RecordingRunner({ files: installation }, [ETC]);
    const unlisted = await linuxSystemd.collect(ctx(runner));
    expect(runner.reads).toContain(`${ETC}/systemd-journald.service`);
    // listUnitFiles does not see the unlistable folder's units; the vendor copies stand in for them
    const file = (r: typeof listed, name: string) => r.services?.find((s) => s.name === name)?.file;
    expect(file(unlisted, 'x11vnc')).toBe(`${ETC}/x11vnc.service`);
    expect(file(listed, 'x11vnc')).toBe(`${ETC}/x11vnc.service`);
  });
});
