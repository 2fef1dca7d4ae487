import type { CollectorContext } from '../types.ts';
import { once } from '../common/memo.ts';
import { PS_PRELUDE, isRecord, parsePsJson, psList, runPowerShell, str } from './powershell.ts';

// REG_EXPAND_SZ Run values, service image paths and task actions say %ProgramFiles%\RustDesk\rustdesk.exe
// or %LOCALAPPDATA%\...; path patterns only match the expanded form. Windows expands them with the
// machine's variables, and a user's Run key with that user's (their profile folder, their Environment
// key). The agent runs as SYSTEM, whose own %LOCALAPPDATA% is systemprofile's, so each loaded user hive's
// variables are read from the registry, in one PowerShell run shared by the collectors of a scan.

// The variables Windows gives every process (they are not in the Machine Environment key), then the
// Machine ones; per user: the profile folder, Volatile Environment (set at logon: APPDATA, LOCALAPPDATA,
// USERNAME...) and Environment (set by the user, read unexpanded and expanded here, with the user's values).
export const ENV_SCRIPT =
  PS_PRELUDE +
  [
    "$ErrorActionPreference='SilentlyContinue'",
    '$m=@{}',
    "foreach($k in [Environment]::GetEnvironmentVariables('Machine').Keys){$m[$k]=[Environment]::GetEnvironmentVariable($k,'Machine')}",
    "foreach($k in 'SystemRoot','windir','SystemDrive','ProgramFiles','ProgramFiles(x86)','ProgramW6432','CommonProgramFiles','CommonProgramFiles(x86)','CommonProgramW6432','ProgramData','ALLUSERSPROFILE','PUBLIC'){$v=[Environment]::GetEnvironmentVariable($k,'Process'); if($v){$m[$k]=$v}}",
    "$pl='Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\'",
    "$u=@(Get-ChildItem 'Registry::HKEY_USERS' | Where-Object { $_.PSChildName -match '^S-1-5-21-[0-9-]+$' } | ForEach-Object { $s=$_.PSChildName; $v=@{}; foreach($sub in 'Volatile Environment','Environment'){ $k=Get-Item ('Registry::HKEY_USERS\\'+$s+'\\'+$sub); if($k){ foreach($n in $k.GetValueNames()){ if($n){ $v[$n]=[string]$k.GetValue($n,$null,'DoNotExpandEnvironmentNames') } } } }; [pscustomobject]@{Sid=$s; Profile=(Get-ItemProperty ($pl+$s)).ProfileImagePath; Vars=$v} })",
    '[pscustomobject]@{Machine=$m; Users=$u} | ConvertTo-Json -Compress -Depth 4',
  ].join('; ');

/** Variable name (lowercase) to value. */
export type EnvVars = Map<string, string>;

export interface WindowsEnv {
  machine: EnvVars;
  users: Map<string, EnvVars>; // by SID, uppercase
}

const MAX_VARS = 512;
const MAX_VALUE = 4096;
const VAR = /%([^%\r\n]{1,128})%/g;

/** Expands %NAME% (any case) from `vars`; unknown names stay as written, as Windows leaves them. */
export function expandEnv(text: string, vars: EnvVars): string {
  return text.replace(VAR, (m, name: string) => vars.get(name.toLowerCase()) ?? m);
}

function addVars(into: EnvVars, v: unknown, expandWith?: EnvVars): void {
  if (!isRecord(v)) return;
  for (const [k, raw] of Object.entries(v)) {
    const val = str(raw);
    if (!val || into.size >= MAX_VARS || k.length > 128 || val.length > MAX_VALUE) continue;
    into.set(k.toLowerCase(), expandWith ? expandEnv(val, expandWith) : val);
  }
}

/** A user's variables on top of the machine's, the way Windows builds a logon environment. */
function userVars(machine: EnvVars, profile: string | undefined, vars: unknown): EnvVars {
  const env = new Map(machine);
  if (profile) {
    env.set('userprofile', profile);
    env.set('appdata', `${profile}\\AppData\\Roaming`);
    env.set('localappdata', `${profile}\\AppData\\Local`);
    env.set('temp', `${profile}\\AppData\\Local\\Temp`);
    env.set('tmp', `${profile}\\AppData\\Local\\Temp`);
    const m = /^([a-z]:)(\\.*)$/i.exec(profile);
    if (m) {
      env.set('homedrive', m[1]);
      env.set('homepath', m[2]);
    }
    env.set('username', profile.slice(profile.lastIndexOf('\\') + 1));
  }
  addVars(env, vars, new Map(env));
  return env;
}

export function parseEnvJson(out: string): WindowsEnv {
  const doc = parsePsJson(out, 'environment variables');
  if (!isRecord(doc)) throw new Error('environment variables: PowerShell printed no object');
  const machine: EnvVars = new Map();
  addVars(machine, doc.Machine);
  // Machine values may refer to each other (Path=%SystemRoot%\system32;...); one pass is what Windows does
  for (const [k, v] of machine) machine.set(k, expandEnv(v, machine));
  const users = new Map<string, EnvVars>();
  for (const u of psList(doc.Users)) {
    if (!isRecord(u)) continue;
    const sid = str(u.Sid)?.trim().toUpperCase();
    if (!sid || !/^S-1-[0-9-]+$/.test(sid) || users.size >= 256) continue;
    const profile = str(u.Profile)?.trim();
    users.set(sid, userVars(machine, profile ? expandEnv(profile, machine) : undefined, u.Vars));
  }
  return { machine, users };
}

/** The machine's and signed-in users' variables, read once per scan. */
export function windowsEnv(ctx: CollectorContext): Promise<WindowsEnv> {
  return once(ctx.runner, 'win-env', async () => parseEnvJson(await runPowerShell(ctx, ENV_SCRIPT, 'environment variables')));
}

/** The variables for a command from `hive`: a user's SID, or undefined for the machine. */
export function varsFor(env: WindowsEnv, sid?: string): EnvVars {
  return (sid && env.users.get(sid.toUpperCase())) || env.machine;
}

/** The variables, or none with a warning: unexpanded paths are still worth reporting. */
export async function envOrWarn(ctx: CollectorContext, warnings: string[]): Promise<WindowsEnv | undefined> {
  try {
    return await windowsEnv(ctx);
  } catch (e) {
    warnings.push(`paths keep their %variables%: ${(e as Error).message}`);
    return undefined;
  }
}
