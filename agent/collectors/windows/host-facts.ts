import type { CollectorContext } from '../types.ts';
import { firstLine } from '../common/exec.ts';
import { once } from '../common/memo.ts';
import { PS_PRELUDE, isRecord, parsePsJson, runPowerShell } from './powershell.ts';

// Three small facts of one scan (the administrator check, the console user, the host context) come from
// one PowerShell run instead of three: each start of powershell.exe loads the .NET runtime and
// PowerShell itself again, which costs more than these small queries. Each fact is its own section of one
// ConvertTo-Json object, computed in its own try/catch, so a section that fails (CIM not answering) is an
// {"Error": "..."} of its own and the collectors keep failing one by one, as they did with one run each.
//
// Sections: Privilege {User, System, Administrator} (privilege.ts), ConsoleUser {UserName} (console-user.ts),
// Context {TimeZone, Culture, Languages, Users, GatewayIp, GatewayMac} (context.ts). The context part runs
// last: it silences errors (each of its pieces may be missing), which must not reach the other sections.

// Privilege: whether this scan runs with an administrator's token. Under UAC an administrator's ordinary
// token has the Administrators group for deny only, and IsInRole(Administrator) is then false: exactly the
// case in which other users' executable paths, hashes and socket owners go missing. LocalSystem (the
// scheduled task the MDM installs) holds BUILTIN\Administrators enabled, so it counts as privileged.
// (Microsoft Learn: WindowsPrincipal.IsInRole(WindowsBuiltInRole), WindowsIdentity.GetCurrent, .IsSystem.)
const PRIVILEGE =
  '$id=[Security.Principal.WindowsIdentity]::GetCurrent(); $p=New-Object Security.Principal.WindowsPrincipal $id; $r.Privilege=[pscustomobject]@{User=$id.Name; System=$id.IsSystem; Administrator=$p.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)}';

// ConsoleUser: Win32_ComputerSystem.UserName is "the name of the currently logged-on user" of the console
// session, as DOMAIN\user (Microsoft Learn, Win32_ComputerSystem class); null when nobody is logged on at
// the console (also over Remote Desktop only).
const CONSOLE_USER = '$r.ConsoleUser=[pscustomobject]@{UserName=(Get-CimInstance -ClassName Win32_ComputerSystem).UserName}';

// Context: time zone, culture, the input methods of the agent's account (Get-WinUserLanguageList) and of
// every signed-in user (their loaded HKEY_USERS hives, since the agent runs as SYSTEM), and the default
// gateway's MAC (Get-NetRoute + Get-NetNeighbor). Each part may fail on its own (no default route, no
// neighbour entry yet, a hive without an International key), so errors are silenced and missing parts
// come out as null.
const CONTEXT = [
  "$ErrorActionPreference='SilentlyContinue'",
  '$langs=@(Get-WinUserLanguageList | ForEach-Object { [pscustomobject]@{LanguageTag=$_.LanguageTag; InputMethodTips=@($_.InputMethodTips)} })',
  "$users=@(Get-ChildItem 'Registry::HKEY_USERS' | Where-Object { $_.PSChildName -match '^S-1-5-21-[0-9-]+$' } | ForEach-Object { $k='Registry::HKEY_USERS\\' + $_.PSChildName + '\\Control Panel\\International'; [pscustomobject]@{Sid=$_.PSChildName; LocaleName=(Get-ItemProperty $k).LocaleName; Languages=@(Get-ChildItem ($k + '\\User Profile') | ForEach-Object { [pscustomobject]@{Tag=$_.PSChildName; Tips=@($_.Property | Where-Object { $_ -match '^[0-9A-Fa-f]{4}:' })} })} })",
  "$route=Get-NetRoute -DestinationPrefix '0.0.0.0/0' | Sort-Object { $_.RouteMetric + $_.InterfaceMetric } | Select-Object -First 1",
  '$mac=$null; if ($route) { $mac=(Get-NetNeighbor -IPAddress $route.NextHop -InterfaceIndex $route.ifIndex | Select-Object -First 1).LinkLayerAddress }',
  '$r.Context=[pscustomobject]@{TimeZone=(Get-TimeZone).Id; Culture=(Get-Culture).Name; Languages=$langs; Users=$users; GatewayIp=$route.NextHop; GatewayMac=$mac}',
].join('; ');

const section = (name: string, body: string) => `try { ${body} } catch { $r.${name}=[pscustomobject]@{Error=$_.Exception.Message} }`;

export const HOST_FACTS_SCRIPT =
  PS_PRELUDE +
  [
    '$r=[ordered]@{}',
    section('Privilege', PRIVILEGE),
    section('ConsoleUser', CONSOLE_USER),
    section('Context', CONTEXT),
    // an ordered dictionary given to New-Object -Property keeps its key order (PowerShell 3 and later)
    'New-Object PSObject -Property $r | ConvertTo-Json -Compress -Depth 7',
  ].join('; ');

export type HostFactsSection = 'Privilege' | 'ConsoleUser' | 'Context';

const WHAT = 'PowerShell host facts';

function readHostFacts(ctx: CollectorContext): Promise<Record<string, unknown>> {
  return once(ctx.runner, 'win-host-facts', async () => {
    const doc = parsePsJson(await runPowerShell(ctx, HOST_FACTS_SCRIPT, WHAT), WHAT);
    if (!isRecord(doc)) throw new Error(`${WHAT}: printed no object`);
    return doc;
  });
}

/**
 * One section of the shared run. The run failing, a section missing or a section that is an Error each
 * throw one line starting with `what`, which becomes the collector's own failure.
 */
export async function hostFactsSection(ctx: CollectorContext, section: HostFactsSection, what: string): Promise<unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = await readHostFacts(ctx);
  } catch (e) {
    throw new Error(`${what}: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (!(section in doc)) throw new Error(`${what}: no ${section} section in the ${WHAT}`);
  const v = doc[section];
  if (isRecord(v) && typeof v.Error === 'string') throw new Error(`${what} failed: ${firstLine(v.Error) || 'no reason given'}`);
  return v;
}
