import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../../../../agent/model.ts';
import { expandEnv, parseEnvJson, varsFor } from '../../../../../agent/collectors/windows/environment.ts';
import { parseJsonRecords, parsePsJson } from '../../../../../agent/collectors/windows/powershell.ts';
import { absoluteImagePath, setCommand } from '../../../../../agent/collectors/windows/resolve.ts';
import { parseServices } from '../../../../../agent/collectors/windows/services.ts';
import { unwrapCommand } from '../../../../../agent/collectors/windows/wrappers.ts';
import { splitCommandLine } from '../../../../../agent/collectors/windows/cmdline.ts';

// What a Run value, service or task says, to the program that runs. The environment answer is the shape
// ENV_SCRIPT prints (ConvertTo-Json of two hashtables, Windows PowerShell 5.1 wrapping the user list);
// the variable values are the ones Windows sets on every installation (Microsoft Learn, "Recognized
// environment variables").

const SID = 'S-1-5-21-1-2-3-1001';
const ENV = JSON.stringify({
  Machine: {
    windir: 'C:\\Windows',
    SystemRoot: 'C:\\Windows',
    ProgramFiles: 'C:\\Program Files',
    'ProgramFiles(x86)': 'C:\\Program Files (x86)',
    ProgramData: 'C:\\ProgramData',
    Path: '%SystemRoot%\\system32',
  },
  Users: {
    value: [
      {
        Sid: SID,
        Profile: 'C:\\Users\\Дмитрий',
        Vars: { LOCALAPPDATA: 'C:\\Users\\Дмитрий\\AppData\\Local', TEMP: '%USERPROFILE%\\AppData\\Local\\Temp', Tools: 'D:\\도구' },
      },
    ],
    Count: 1,
  },
});

const unwrap = (line: string) => unwrapCommand(splitCommandLine(line)!).cmd;

describe('PowerShell JSON, one reader', () => {
  it('reads one object, a list, the 5.1 {value,Count} wrapper at any depth, and /Date()/', () => {
    expect(parseJsonRecords('{"a":1}', 'x')).toEqual([{ a: 1 }]);
    expect(parseJsonRecords('\uFEFF[{"a":1},{"a":2}]\r\n', 'x')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonRecords('{"value":[{"a":1},{"a":2}],"Count":2}', 'x')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonRecords('', 'x')).toEqual([]);
    expect(parsePsJson('{"p":{"value":[{"q":{"value":[1],"Count":1}}],"Count":1},"t":"\\/Date(1732000000000)\\/"}', 'x')).toEqual({
      p: [{ q: [1] }],
      t: '2024-11-19T07:06:40.000Z',
    });
    // an object that merely has a value and a Count among other fields is data
    expect(parsePsJson('{"value":[1],"Count":1,"Name":"n"}', 'x')).toEqual({ value: [1], Count: 1, Name: 'n' });
    expect(parsePsJson('{"__proto__":{"polluted":1}}', 'x')).toEqual(JSON.parse('{"__proto__":{"polluted":1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseJsonRecords('Get-CimInstance : Access denied', 'Win32_Service')).toThrow(/^Win32_Service: output is not valid JSON/);
  });
});

describe('environment variables', () => {
  const env = parseEnvJson(ENV);

  it("expands with the machine values, a user hive with that user's, unknown names as written", () => {
    expect(expandEnv('%ProgramFiles%\\RustDesk\\rustdesk.exe', env.machine)).toBe('C:\\Program Files\\RustDesk\\rustdesk.exe');
    expect(expandEnv('%PROGRAMFILES(X86)%\\AnyDesk\\AnyDesk.exe', env.machine)).toBe('C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe');
    expect(env.machine.get('path')).toBe('C:\\Windows\\system32');
    const user = varsFor(env, SID);
    expect(expandEnv('%LOCALAPPDATA%\\x.exe', user)).toBe('C:\\Users\\Дмитрий\\AppData\\Local\\x.exe');
    expect(expandEnv('%TEMP%\\a.exe %Tools%\\b.exe', user)).toBe('C:\\Users\\Дмитрий\\AppData\\Local\\Temp\\a.exe D:\\도구\\b.exe');
    expect(expandEnv('%LOCALAPPDATA%\\x.exe', env.machine)).toBe('%LOCALAPPDATA%\\x.exe');
    expect(expandEnv('%NOPE%\\%CV%', user)).toBe('%NOPE%\\%CV%');
    expect(varsFor(env, 'S-1-5-21-9-9-9-9')).toBe(env.machine);
  });

  it('makes driver-style service image paths absolute', () => {
    expect(absoluteImagePath('\\SystemRoot\\System32\\drivers\\x.sys')).toBe('%SystemRoot%\\System32\\drivers\\x.sys');
    expect(absoluteImagePath('System32\\drivers\\x.sys')).toBe('%SystemRoot%\\System32\\drivers\\x.sys');
    expect(absoluteImagePath('\\??\\C:\\x\\y.sys')).toBe('C:\\x\\y.sys');
    expect(absoluteImagePath('C:\\x\\y.exe')).toBe('C:\\x\\y.exe');
  });

  it('turns service PathNames into programs, keeping the text as written', () => {
    const json = JSON.stringify([
      {
        Name: 'RustDesk',
        DisplayName: 'RustDesk Service',
        PathName: '"%ProgramFiles%\\RustDesk\\rustdesk.exe" --service',
        StartMode: 'Auto',
        State: 'Running',
      },
      { Name: 'kvmdrv', DisplayName: 'Пульт KVM', PathName: 'system32\\drivers\\kvmdrv.sys', StartMode: 'System', State: 'Running' },
      { Name: 'plain', PathName: 'C:\\Windows\\System32\\svchost.exe -k netsvcs -p', StartMode: 'Auto', State: 'Running' },
    ]);
    const [rd, drv, plain] = parseServices(json, env.machine);
    expect(rd).toMatchObject({
      path: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
      args: '--service',
      pathRaw: '%ProgramFiles%\\RustDesk\\rustdesk.exe',
      argsRaw: '--service',
    });
    expect(drv).toMatchObject({
      displayName: 'Пульт KVM',
      path: 'C:\\Windows\\system32\\drivers\\kvmdrv.sys',
      pathRaw: 'system32\\drivers\\kvmdrv.sys',
    });
    expect(plain).toEqual({
      name: 'plain',
      path: 'C:\\Windows\\System32\\svchost.exe',
      args: '-k netsvcs -p',
      startType: 'auto',
      state: 'running',
      source: 'windows-service',
      file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\plain',
    });
  });
});

describe('wrappers', () => {
  it('cmd /c, with switches and the doubled quotes cmd accepts', () => {
    expect(unwrap('cmd.exe /c "C:\\Program Files\\RustDesk\\rustdesk.exe" --tray')).toEqual({
      path: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
      args: '--tray',
    });
    expect(unwrap('C:\\Windows\\System32\\cmd.exe /d /q /C ""C:\\a b\\tool.exe" -x"')).toEqual({ path: 'C:\\a b\\tool.exe', args: '-x' });
    expect(unwrap('cmd /k start.bat')).toEqual({ path: 'start.bat' });
    expect(unwrap('cmd.exe')).toEqual({ path: 'cmd.exe' });
  });

  it('powershell -File, -Command with a program, and no program for inline or encoded scripts', () => {
    expect(
      unwrap('powershell.exe -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -File "C:\\ProgramData\\x\\run.ps1" -a 1'),
    ).toEqual({ path: 'C:\\ProgramData\\x\\run.ps1', args: '-a 1' });
    expect(unwrap('powershell -Command "& \'C:\\Program Files\\AnyDesk\\AnyDesk.exe\' --start"')).toEqual({
      path: 'C:\\Program Files\\AnyDesk\\AnyDesk.exe',
      args: '--start',
    });
    expect(unwrap('pwsh.exe -c C:\\tools\\ngrok.exe tcp 3389')).toEqual({ path: 'C:\\tools\\ngrok.exe', args: 'tcp 3389' });
    expect(unwrap('powershell.exe -enc SQBFAFgA')).toEqual({ path: 'powershell.exe', args: '-enc SQBFAFgA' });
    expect(unwrap('powershell.exe -Command Get-Date; Remove-Item x')).toEqual({
      path: 'powershell.exe',
      args: '-Command Get-Date; Remove-Item x',
    });
  });

  it('rundll32 names the DLL, wscript and cscript the script; layers peel one after another', () => {
    expect(unwrap('rundll32.exe "C:\\Users\\u\\AppData\\Roaming\\x\\agent.dll",Start -q')).toEqual({
      path: 'C:\\Users\\u\\AppData\\Roaming\\x\\agent.dll',
      args: ',Start -q',
    });
    expect(unwrap('C:\\Windows\\system32\\rundll32.exe C:\\x\\y.dll,DllMain')).toEqual({ path: 'C:\\x\\y.dll', args: ',DllMain' });
    expect(unwrap('cscript.exe //nologo //B C:\\x\\run.vbs arg')).toEqual({ path: 'C:\\x\\run.vbs', args: 'arg' });
    expect(unwrapCommand(splitCommandLine('cmd /c powershell -File C:\\x\\a.ps1')!)).toEqual({
      cmd: { path: 'C:\\x\\a.ps1' },
      wrappers: ['cmd', 'powershell'],
    });
    // a program named like an Object property is no wrapper
    expect(unwrap('constructor.exe /c x.exe')).toEqual({ path: 'constructor.exe', args: '/c x.exe' });
  });

  it('sets pathRaw/argsRaw only when something changed', () => {
    const s: ServiceInfo = { name: 't', source: 'scheduled-task' };
    setCommand(s, 'C:\\x\\y.exe -a');
    expect(s).toEqual({ name: 't', source: 'scheduled-task', path: 'C:\\x\\y.exe', args: '-a' });
    const w: ServiceInfo = { name: 't', source: 'run-key' };
    setCommand(w, 'cmd /c "%windir%\\tool.exe"', { vars: parseEnvJson(ENV).machine });
    expect(w).toEqual({ name: 't', source: 'run-key', path: 'C:\\Windows\\tool.exe', pathRaw: 'cmd', argsRaw: '/c "%windir%\\tool.exe"' });
  });
});
