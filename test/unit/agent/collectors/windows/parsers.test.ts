import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHTASKS_SCRIPT, parseSchtasks } from '../../../../../agent/collectors/windows/autoruns.ts';
import { NETSH_SCRIPT } from '../../../../../agent/collectors/windows/context.ts';
import { splitCommandLine } from '../../../../../agent/collectors/windows/cmdline.ts';
import { parseCsv } from '../../../../../agent/collectors/windows/csv.ts';
import {
  IDENTITY_SCRIPT,
  batches,
  encodePaths,
  identityFromRecord,
  subjectCommonName,
} from '../../../../../agent/collectors/windows/identity.ts';
import { PROCESSES_SCRIPT } from '../../../../../agent/collectors/windows/processes.ts';
import { PS_PRELUDE, parseJsonRecords, psArgs } from '../../../../../agent/collectors/windows/powershell.ts';
import { REG_SCRIPT, fullKey, parseRegJson, regNumber, regQueryArg } from '../../../../../agent/collectors/windows/reg.ts';
import { TASKS_SCRIPT } from '../../../../../agent/collectors/windows/tasks.ts';
import { SERVICES_SCRIPT, sshSetting, parseServices } from '../../../../../agent/collectors/windows/services.ts';
import { SOCKETS_SCRIPT, tcpState } from '../../../../../agent/collectors/windows/sockets.ts';
import { iconProgram } from '../../../../../agent/collectors/windows/uninstall.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'windows');

describe('PowerShell scripts', () => {
  it('are constants without double quotes, so no Windows quoting layer can change them', () => {
    for (const s of [PROCESSES_SCRIPT, SERVICES_SCRIPT, SOCKETS_SCRIPT, IDENTITY_SCRIPT]) {
      expect(s.startsWith(PS_PRELUDE)).toBe(true);
      expect(s).not.toContain('"');
      expect(s).not.toContain('\n');
    }
    expect(psArgs('X', ["'QQ=='"])).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', 'X', "'QQ=='"]);
  });

  it('pass file paths to the identity script as one quoted base64 literal, whatever the paths contain', () => {
    const paths = ['C:\\it\'s $(calc)\\`n".exe', 'C:\\日本語\\a b.exe'];
    const arg = encodePaths(paths);
    expect(arg).toMatch(/^'[A-Za-z0-9+/]+={0,2}'$/);
    expect(JSON.parse(Buffer.from(arg.slice(1, -1), 'base64').toString('utf8'))).toEqual(paths);
  });

  it('split long path lists into calls that fit a Windows command line', () => {
    const many = Array.from({ length: 150 }, (_, i) => `C:\\Program Files\\Vendor ${i}\\${'x'.repeat(80)}\\tool${i}.exe`);
    const b = batches(many);
    expect(b.flat()).toEqual(many);
    expect(b.length).toBeGreaterThan(2);
    for (const batch of b) {
      expect(batch.length).toBeLessThanOrEqual(64);
      expect(encodePaths(batch).length).toBeLessThanOrEqual(20_000);
    }
  });
});

describe('parseJsonRecords (ConvertTo-Json output)', () => {
  it('accepts a list, a single object, nothing, a BOM and CRLF', () => {
    expect(parseJsonRecords('\uFEFF[{"a":1},{"a":2}]\r\n', 'x')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonRecords('{"a":1}\r\n', 'x')).toEqual([{ a: 1 }]);
    expect(parseJsonRecords('\r\n', 'x')).toEqual([]);
    expect(parseJsonRecords('null', 'x')).toEqual([]);
    expect(parseJsonRecords('[1,null,{"a":1},"s"]', 'x')).toEqual([{ a: 1 }]);
  });

  it('throws one line for malformed or unexpected JSON', () => {
    expect(() => parseJsonRecords('[{"a":', 'Win32_Process')).toThrow(/^Win32_Process: output is not valid JSON \([^\n]+\)$/);
    expect(() => parseJsonRecords('"Access denied"', 'Win32_Service')).toThrow('Win32_Service: expected JSON objects, got string');
  });
});

describe('parseRegJson (the registry read through PowerShell)', () => {
  it('reads keys, typed values, empty data, (Default), unknown kinds and subkey names; answers in query order', () => {
    const queries = [{ key: 'HKLM\\SOFTWARE\\X' }, { key: 'HKLM\\SOFTWARE\\Gone', recurse: true }];
    const out =
      '\uFEFF' +
      JSON.stringify([
        {
          Key: 'HKLM\\SOFTWARE\\X',
          Found: true,
          Denied: 0,
          Truncated: false,
          Error: null,
          Keys: [
            {
              Path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X',
              Values: [
                { Name: '', Kind: 'String', Data: '' },
                { Name: 'Inno Setup: App Path', Kind: 'String', Data: 'C:\\Program Files\\X' },
                { Name: 'DisplayName', Kind: 'String', Data: 'Evil    REG_SZ    Name' },
                { Name: 'Count', Kind: 'DWord', Data: '0x1f' },
                { Name: 'Langs', Kind: 'MultiString', Data: { value: ['en-US', 'de-DE'], Count: 2 } },
                { Name: 'Path', Kind: 'ExpandString', Data: '%ProgramFiles%\\X' },
                { Name: 'Res', Kind: 'Unknown', Data: '0A0B' },
                { Name: 7, Kind: 'String', Data: 'a name that is not a string is dropped' },
              ],
              Subkeys: 'Sub',
            },
          ],
        },
        { Key: 'HKLM\\SOFTWARE\\Gone', Found: false, Denied: 0, Truncated: false, Error: null, Keys: [] },
      ]) +
      '\r\n';
    expect(parseRegJson(out, queries)).toEqual([
      {
        keys: [
          {
            path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X',
            values: [
              { name: '(Default)', type: 'REG_SZ', data: '' },
              { name: 'Inno Setup: App Path', type: 'REG_SZ', data: 'C:\\Program Files\\X' },
              { name: 'DisplayName', type: 'REG_SZ', data: 'Evil    REG_SZ    Name' },
              { name: 'Count', type: 'REG_DWORD', data: '0x1f' },
              { name: 'Langs', type: 'REG_MULTI_SZ', data: 'en-US\\0de-DE' },
              { name: 'Path', type: 'REG_EXPAND_SZ', data: '%ProgramFiles%\\X' },
              { name: 'Res', type: 'REG_UNKNOWN', data: '0A0B' },
            ],
            subkeys: ['Sub'],
          },
        ],
        denied: 0,
        truncated: false,
      },
      { keys: null, denied: 0, truncated: false },
    ]);
    expect(regNumber('0x1f')).toBe(31);
    expect(regNumber('0xffffffff')).toBe(4294967295); // a negative Int32 as '0x{0:x}' prints it
    expect(regNumber('1')).toBeUndefined();
    expect(fullKey('HKLM\\SOFTWARE\\X\\')).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\X');
    expect(fullKey('HKU')).toBe('HKEY_USERS');
  });

  it('throws one line for a refused key, a short answer or output that is not JSON', () => {
    const q = [{ key: 'HKLM\\SECURITY\\Policy', value: 'X' }];
    expect(() => parseRegJson(JSON.stringify([{ Found: false, Error: 'Requested registry access is not allowed.\r\nmore' }]), q)).toThrow(
      new Error('registry read HKLM\\SECURITY\\Policy value X failed: Requested registry access is not allowed.'),
    );
    expect(() => parseRegJson('[]', q)).toThrow(new Error('registry read: 0 answers for 1 queries'));
    expect(() => parseRegJson('ERROR: Access is denied.', q)).toThrow(/^registry read: output is not valid JSON/);
  });

  it('passes the key list as one base64 literal: quotes and $() in a key name cannot reach the script', () => {
    const arg = regQueryArg([
      { key: "HKU\\S-1-5-21-1\\Software\\it's $(calc)", recurse: true },
      { key: 'HKLM\\X', value: 'fDeny' },
    ]);
    expect(arg).toMatch(/^'[A-Za-z0-9+/]+={0,2}'$/);
    expect(JSON.parse(Buffer.from(arg.slice(1, -1), 'base64').toString('utf8'))).toEqual([
      { k: "HKU\\S-1-5-21-1\\Software\\it's $(calc)", s: 1 },
      { k: 'HKLM\\X', v: 'fDeny' },
    ]);
    // the scripts are constants without a double quote (powershell.exe re-parses -Command)
    for (const script of [REG_SCRIPT, TASKS_SCRIPT, SCHTASKS_SCRIPT, NETSH_SCRIPT]) expect(script).not.toContain('"');
  });
});

describe('splitCommandLine', () => {
  it('separates the program from its arguments, quoted or not', () => {
    expect(splitCommandLine('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service')).toEqual({
      path: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe',
      args: '--service',
    });
    expect(splitCommandLine('C:\\Windows\\system32\\svchost.exe -k netsvcs -p')).toEqual({
      path: 'C:\\Windows\\system32\\svchost.exe',
      args: '-k netsvcs -p',
    });
    expect(splitCommandLine('C:\\Program Files\\Odd Vendor\\upd.exe -silent')).toEqual({
      path: 'C:\\Program Files\\Odd Vendor\\upd.exe',
      args: '-silent',
    });
    expect(splitCommandLine('"C:\\half.exe -x')).toEqual({ path: 'C:\\half.exe -x' });
    expect(splitCommandLine('%windir%\\system32\\SecurityHealthSystray.exe')).toEqual({
      path: '%windir%\\system32\\SecurityHealthSystray.exe',
    });
    expect(splitCommandLine('COM handler')).toEqual({ path: 'COM', args: 'handler' });
    expect(splitCommandLine('   ')).toBeUndefined();
    expect(iconProgram('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"')).toBe('C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe');
    expect(iconProgram('C:\\Program Files\\Microsoft OneDrive\\24.201.1006.0005\\OneDriveSetup.exe,-101')).toBe(
      'C:\\Program Files\\Microsoft OneDrive\\24.201.1006.0005\\OneDriveSetup.exe',
    );
    expect(iconProgram('C:\\Users\\a\\AppData\\Local\\slack\\app.ico')).toBeUndefined();
  });
});

describe('parseCsv and parseSchtasks', () => {
  it('handles quoted commas, doubled quotes and line breaks inside fields', () => {
    expect(parseCsv('"a","b, c","say ""hi""","x\r\ny"\r\n"2"\r\n')).toEqual([['a', 'b, c', 'say "hi"', 'x\r\ny'], ['2']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('reads translated headers by position (German schtasks)', () => {
    const tasks = parseSchtasks(readFileSync(join(FIX, 'hostile', 'schtasks-de.txt'), 'utf8'));
    expect(tasks).toEqual([
      {
        name: '\\AnyDesk Watchdog',
        displayName: 'AnyDesk Watchdog',
        path: 'C:\\ProgramData\\AnyDesk\\AnyDesk.exe',
        args: '--control',
        startType: 'aktiviert',
        state: 'bereit',
        source: 'scheduled-task',
      },
    ]);
  });

  it('returns nothing for the no-tasks message and refuses an unknown table', () => {
    expect(parseSchtasks('INFO: There are no scheduled tasks presently available at your access level.\r\n')).toEqual([]);
    expect(() => parseSchtasks('"Name","Next","Status"\r\n"\\a","N/A","Ready"\r\n')).toThrow(
      'schtasks: unrecognised CSV header (3 columns)',
    );
  });
});

describe('identity records', () => {
  it('takes the CN of a subject, quoted commas included', () => {
    expect(subjectCommonName('CN="ConnectWise, LLC", O="ConnectWise, LLC", L=Tampa, S=Florida, C=US')).toBe('ConnectWise, LLC');
    expect(subjectCommonName('CN=PURSLANE, O=PURSLANE, L=Singapore, C=SG')).toBe('PURSLANE');
    expect(subjectCommonName('O=No CN, C=JP')).toBeUndefined();
  });

  it('keeps a signer whose signature does not verify, marked with its status', () => {
    expect(
      identityFromRecord({
        Signer: 'CN=AnyDesk Software GmbH, O=AnyDesk Software GmbH',
        Status: 3,
        Sha256: 'AB'.repeat(32),
        OriginalFilename: 'AnyDesk.exe',
        ProductName: '',
      }),
    ).toEqual({
      sha256: 'ab'.repeat(32),
      pe: { originalFilename: 'AnyDesk.exe' },
      signer: 'AnyDesk Software GmbH (HashMismatch)',
    });
    expect(identityFromRecord({ Path: 'C:\\x.exe', Error: 'Access to the path is denied.' })).toBeUndefined();
  });
});

describe('services and sockets helpers', () => {
  it('derives ssh-server.enabled from the sshd service', () => {
    const svcs = parseServices(
      '{"Name":"sshd","DisplayName":"OpenSSH SSH Server","PathName":"C:\\\\Windows\\\\System32\\\\OpenSSH\\\\sshd.exe","StartMode":"Manual","State":"Running"}',
    );
    expect(sshSetting(svcs)).toEqual({
      key: 'ssh-server.enabled',
      value: true,
      source: 'Win32_Service sshd (StartMode manual, State running)',
    });
    expect(sshSetting([])).toEqual({ key: 'ssh-server.enabled', value: false, source: 'Win32_Service: no sshd service' });
  });

  it('maps TCP states given as numbers (PowerShell 5.1) or names (PowerShell 7)', () => {
    expect([2, 5, 11, 100, '2'].map(tcpState)).toEqual(['LISTEN', 'ESTABLISHED', 'TIME_WAIT', 'BOUND', 'LISTEN']);
    expect(['Listen', 'SynSent', 'FinWait1', 'DeleteTCB', 'odd\nthing', null].map(tcpState)).toEqual([
      'LISTEN',
      'SYN_SENT',
      'FIN_WAIT1',
      'DELETE_TCB',
      'ODD\\nTHING',
      'UNKNOWN',
    ]);
  });
});
