// The MDM scripts at their edges: the Jamf extension attribute cut at 2000 bytes without breaking an XML
// entity or a UTF-8 character (run for real with bash, the result parsed by python3's XML parser), and
// the Intune detection script's timeout ending the whole process tree under Windows PowerShell 5.1
// (checked on its syntax tree: PowerShell cannot run here).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Language, Parser, type Node as TsNode } from 'web-tree-sitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.ts';

const DEPLOY = path.join(ROOT, 'scripts/deploy');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ratwatch-mdm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Jamf extension attribute: the 2000-byte value', () => {
  // a ratwatch that fails with the message in FAIL_MSG, the way a bad config or a crash would
  const failing = path.join(tmp, 'ratwatch-failing');
  beforeAll(() => {
    writeFileSync(failing, '#!/bin/sh\nprintf \'%s\\n\' "$FAIL_MSG" >&2\nexit 2\n');
    chmodSync(failing, 0o755);
  });

  const runEa = (msg: string): Buffer => {
    const r = spawnSync('bash', [path.join(DEPLOY, 'jamf/ratwatch-ea.sh')], {
      env: { ...process.env, RATWATCH_BIN: failing, FAIL_MSG: msg },
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    return r.stdout;
  };
  /** The text Jamf would store, through a real XML parser; throws on a broken entity or bad UTF-8. */
  const parsed = (out: Buffer): string =>
    JSON.parse(
      execFileSync(
        'python3',
        ['-c', 'import sys,json,xml.etree.ElementTree as E; print(json.dumps(E.fromstring(sys.stdin.buffer.read()).text))'],
        { input: out },
      ).toString(),
    );
  const value = (out: Buffer) => out.subarray('<result>'.length, out.length - '</result>\n'.length);

  const prefix = 'ratwatch error (exit 2): ';
  it.each([0, 1, 2, 3, 4, 5])('an entity that would straddle the limit is dropped whole (offset %i)', (shift) => {
    // "&" lands at byte 2000 - 4 + shift of the value: "&amp;" fits whole only when shift is 0
    const msg = `${'x'.repeat(2000 - prefix.length - 5 + shift)}&${'y'.repeat(40)}`;
    const out = runEa(msg);
    expect(out.subarray(0, 8).toString()).toBe('<result>');
    expect(out.subarray(-10).toString()).toBe('</result>\n');
    const v = value(out);
    expect(v.length).toBeLessThanOrEqual(2000);
    const text = parsed(out);
    expect(text.startsWith(prefix)).toBe(true);
    if (shift === 0) expect(text.endsWith('x&')).toBe(true);
    else expect(text.endsWith('x')).toBe(true);
    expect(v.toString()).not.toMatch(/&[a-z]*$/);
  });

  it('never splits a UTF-8 character and keeps < > & escaped', () => {
    for (const n of [0, 1]) {
      const msg = `${'x'.repeat(n)}${'é<中>'.repeat(400)}`;
      const out = runEa(msg);
      const v = value(out);
      expect(v.length).toBeLessThanOrEqual(2000);
      expect(v.length).toBeGreaterThan(1990);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(v)).not.toThrow();
      const text = parsed(out);
      expect(msg.startsWith(text.slice(prefix.length))).toBe(true);
    }
  });

  it('leaves a short message whole, control characters removed', () => {
    const text = parsed(runEa('bad\tconfig\u0001 <x> & "y"'));
    expect(text).toBe('ratwatch error (exit 2): bad config <x> & "y"');
  });
});

describe('Intune detection: the timeout ends the whole process tree', () => {
  let root: TsNode;
  beforeAll(async () => {
    await Parser.init();
    const parser = new Parser();
    parser.setLanguage(await Language.load(path.join(ROOT, 'node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm')));
    root = parser.parse(readFileSync(path.join(DEPLOY, 'intune/detect.ps1'), 'utf8'))!.rootNode;
  });
  const all = (n: TsNode, type: string): TsNode[] =>
    (n.type === type ? [n] : []).concat(...n.children.filter((c): c is TsNode => c !== null).map((c) => all(c, type)));
  const squash = (t: string) => t.replace(/\s+/g, ' ');

  it('the timeout branch calls Stop-ProcessTree before reporting the timeout', () => {
    const ifs = all(root, 'if_statement').filter((n) => n.text.includes('WaitForExit($TimeoutSeconds * 1000)'));
    expect(ifs).toHaveLength(1);
    const body = squash(ifs[0].text);
    expect(body).toMatch(/\{ Stop-ProcessTree \$proc Exit-WithLine "ratwatch error: scan did not finish within \$TimeoutSeconds s" 1 \}/);
    expect(body).not.toMatch(/\$proc\.Kill\(\)/); // .NET Framework's Kill() leaves the children running
  });

  it('Stop-ProcessTree runs System32\\taskkill.exe /T /F by absolute path, then waits, then falls back to Kill()', () => {
    const fn = all(root, 'function_statement').find((n) => /^function Stop-ProcessTree\b/.test(n.text));
    expect(fn).toBeDefined();
    const text = squash(fn!.text);
    expect(text).toContain("$taskkill = Join-Path $env:SystemRoot 'System32\\taskkill.exe'");
    const call = all(fn!, 'command')
      .map((c) => squash(c.text).trim())
      .find((c) => c.startsWith('& $taskkill'));
    expect(call).toBe('& $taskkill /PID $Proc.Id /T /F 2>&1');
    expect(text).toMatch(/if \(-not \$Proc\.WaitForExit\(10000\)\) \{ try \{ \$Proc\.Kill\(\) \} catch \{ \} \}/);
    // no bare "taskkill" that PATH would resolve
    expect(
      all(root, 'command')
        .map((c) => c.text)
        .filter((t) => /^taskkill/i.test(t.trim())),
    ).toEqual([]);
  });
});
