import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSchtasks } from '../../agent/collectors/windows/autoruns.ts';
import { splitCommandLine } from '../../agent/collectors/windows/cmdline.ts';
import { parseCsv } from '../../agent/collectors/windows/csv.ts';
import { IDENTITY_SCRIPT, batches, encodePaths, identityFromRecord, subjectCommonName } from '../../agent/collectors/windows/identity.ts';
import { PROCESSES_SCRIPT } from '../../agent/collectors/windows/processes.ts';
import { PS_PRELUDE, parseJsonRecords, psArgs } from '../../agent/collectors/windows/powershell.ts';
import { fullKey, parseRegQuery, regNumber } from '../../agent/collectors/windows/reg.ts';
import { SERVICES_SCRIPT, sshSetting, parseServices } from '../../agent/collectors/windows/services.ts';
import { SOCKETS_SCRIPT, tcpState } from '../../agent/collectors/windows/sockets.ts';
import { iconProgram } from '../../agent/collectors/windows/uninstall.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'windows');

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
    const paths = ["C:\\it's $(calc)\\`n\".exe", 'C:\\日本語\\a b.exe'];
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

describe('parseRegQuery (reg.exe query output)', () => {
  it('reads keys, typed values, empty data, (Default) and data containing the separator', () => {
    const out = [
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\X',
      '    (Default)    REG_SZ    ',
      '    Inno Setup: App Path    REG_SZ    C:\\Program Files\\X',
      '    DisplayName    REG_SZ    Evil    REG_SZ    Name',
      '    Count    REG_DWORD    0x1f',
      '    Langs    REG_MULTI_SZ    en-US\\0de-DE',
      '    Empty    REG_SZ',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Sub',
      'garbage',
      '',
    ].join('\r\n');
    expect(parseRegQuery(out)).toEqual([
      {
        path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X',
        values: [
          { name: '(Default)', type: 'REG_SZ', data: '' },
          { name: 'Inno Setup: App Path', type: 'REG_SZ', data: 'C:\\Program Files\\X' },
          { name: 'DisplayName', type: 'REG_SZ', data: 'Evil    REG_SZ    Name' },
          { name: 'Count', type: 'REG_DWORD', data: '0x1f' },
          { name: 'Langs', type: 'REG_MULTI_SZ', data: 'en-US\\0de-DE' },
          { name: 'Empty', type: 'REG_SZ', data: '' },
        ],
      },
      { path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Sub', values: [] },
    ]);
    expect(regNumber('0x1f')).toBe(31);
    expect(regNumber('0x0')).toBe(0);
    expect(regNumber('1')).toBeUndefined();
    expect(fullKey('HKLM\\SOFTWARE\\X\\')).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\X');
    expect(fullKey('HKU')).toBe('HKEY_USERS');
  });
});

describe('splitCommandLine', () => {
  it('separates the program from its arguments, quoted or not', () => {
    expect(splitCommandLine('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --service')).toEqual({ path: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe', args: '--service' });
    expect(splitCommandLine('C:\\Windows\\system32\\svchost.exe -k netsvcs -p')).toEqual({ path: 'C:\\Windows\\system32\\svchost.exe', args: '-k netsvcs -p' });
    expect(splitCommandLine('C:\\Program Files\\Odd Vendor\\upd.exe -silent')).toEqual({ path: 'C:\\Program Files\\Odd Vendor\\upd.exe', args: '-silent' });
    expect(splitCommandLine('"C:\\half.exe -x')).toEqual({ path: 'C:\\half.exe -x' });
    expect(splitCommandLine('%windir%\\system32\\SecurityHealthSystray.exe')).toEqual({ path: '%windir%\\system32\\SecurityHealthSystray.exe' });
    expect(splitCommandLine('COM handler')).toEqual({ path: 'COM', args: 'handler' });
    expect(splitCommandLine('   ')).toBeUndefined();
    expect(iconProgram('"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"')).toBe('C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe');
    expect(iconProgram('C:\\Program Files\\Microsoft OneDrive\\24.201.1006.0005\\OneDriveSetup.exe,-101')).toBe('C:\\Program Files\\Microsoft OneDrive\\24.201.1006.0005\\OneDriveSetup.exe');
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
    expect(() => parseSchtasks('"Name","Next","Status"\r\n"\\a","N/A","Ready"\r\n')).toThrow('schtasks: unrecognised CSV header (3 columns)');
  });
});

describe('identity records', () => {
  it('takes the CN of a subject, quoted commas included', () => {
    expect(subjectCommonName('CN="ConnectWise, LLC", O="ConnectWise, LLC", L=Tampa, S=Florida, C=US')).toBe('ConnectWise, LLC');
    expect(subjectCommonName('CN=PURSLANE, O=PURSLANE, L=Singapore, C=SG')).toBe('PURSLANE');
    expect(subjectCommonName('O=No CN, C=JP')).toBeUndefined();
  });

  it('keeps a signer whose signature does not verify, marked with its status', () => {
    expect(identityFromRecord({ Signer: 'CN=AnyDesk Software GmbH, O=AnyDesk Software GmbH', Status: 3, Sha256: 'AB'.repeat(32), OriginalFilename: 'AnyDesk.exe', ProductName: '' })).toEqual({
      sha256: 'ab'.repeat(32),
      pe: { originalFilename: 'AnyDesk.exe' },
      signer: 'AnyDesk Software GmbH (HashMismatch)',
    });
    expect(identityFromRecord({ Path: 'C:\\x.exe', Error: 'Access to the path is denied.' })).toBeUndefined();
  });
});

describe('services and sockets helpers', () => {
  it('derives ssh-server.enabled from the sshd service', () => {
    const svcs = parseServices('{"Name":"sshd","DisplayName":"OpenSSH SSH Server","PathName":"C:\\\\Windows\\\\System32\\\\OpenSSH\\\\sshd.exe","StartMode":"Manual","State":"Running"}');
    expect(sshSetting(svcs)).toEqual({ key: 'ssh-server.enabled', value: true, source: 'Win32_Service sshd (StartMode manual, State running)' });
    expect(sshSetting([])).toEqual({ key: 'ssh-server.enabled', value: false, source: 'Win32_Service: no sshd service' });
  });

  it('maps TCP states given as numbers (PowerShell 5.1) or names (PowerShell 7)', () => {
    expect([2, 5, 11, 100, '2'].map(tcpState)).toEqual(['LISTEN', 'ESTABLISHED', 'TIME_WAIT', 'BOUND', 'LISTEN']);
    expect(['Listen', 'SynSent', 'FinWait1', 'DeleteTCB', 'odd\nthing', null].map(tcpState)).toEqual(['LISTEN', 'SYN_SENT', 'FIN_WAIT1', 'DELETE_TCB', 'ODD\\nTHING', 'UNKNOWN']);
  });
});
