import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../helpers/paths.ts';

// What a scan child writes to stderr (its warnings, or a crashed runtime's report) goes into the daemon's
// log, which journald or a LaunchDaemon's log file keeps: control characters, ANSI escapes and bidi marks
// must arrive escaped, one log line per line. The real daemon loop runs in a child process with a stand-in
// scan child (a Node script) that writes hostile text and then fails.

const dir = mkdtempSync(join(tmpdir(), 'rw-child-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE_CHILD = String.raw`
process.stderr.write('ratwatch: warning: \x1b[2J\x1b[31mscreen cleared\r\nname \u202eexe.gpj\x07 bell\n\n   \n');
process.stderr.write('a lone \r carriage return and \x00 NUL\n');
process.stdout.write('not json');
process.exit(0);
`;

function daemonLog(script: string): { code: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/helpers/daemon-hostile-child-main.ts'), join(dir, 'spool'), script],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, RATWATCH_CONFIG: '' } },
  );
  return { code: r.status, stderr: r.stderr };
}

describe("the daemon's log of a scan child", { timeout: 150_000 }, () => {
  it('escapes the child stderr line by line, and the failure is one line', () => {
    const { code, stderr } = daemonLog(HOSTILE_CHILD);
    expect(code, stderr).toBe(0);
    // nothing but printable text and the line breaks the log itself puts between lines
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const lines = stderr.split('\n');
    expect(lines).toContain('ratwatch: warning: \\x1b[2J\\x1b[31mscreen cleared');
    expect(lines).toContain('name \\u202eexe.gpj\\x07 bell');
    expect(lines).toContain('a lone \\r carriage return and \\x00 NUL');
    expect(lines.filter((l) => l.startsWith('ratwatch: scheduled scan failed: '))).toEqual([
      'ratwatch: scheduled scan failed: scan process printed no result: Unexpected token \'o\', "not json" is not valid JSON',
    ]);
    expect(lines.filter((l) => l.trim() === '')).toEqual(['']); // only the final newline: blank child lines dropped
  });

  it('a child that crashes: the runtime error is cut to its first line in the failure', () => {
    const { stderr } = daemonLog("process.stderr.write('boom\\x1b]0;title\\x07\\n'); throw new Error('first\\nsecond line');");
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const failed = stderr.split('\n').filter((l) => l.startsWith('ratwatch: scheduled scan failed: '));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^ratwatch: scheduled scan failed: scan process failed: Command failed: /);
    expect(stderr).toContain('boom\\x1b]0;title\\x07');
  });
});
