import type { CollectorContext } from '../types.ts';
import { once } from '../common/memo.ts';
import { PS_PRELUDE, isRecord, parsePsJson, psData, psList, runPowerShell, str } from './powershell.ts';

// The registry, read through .NET's RegistryKey in PowerShell rather than reg.exe: reg.exe prints in the
// console's code page, so a Cyrillic or Korean program name or an accented publisher arrived mangled, and
// it reports "missing" and "denied" alike, with an exit code of 1 and a message in the system language.
// Here the text is UTF-8 JSON (PS_PRELUDE), a missing key is Found=false and a refused one an Error.
//
// One run answers a list of queries (the keys of one collector), passed as a base64 data argument (see
// identity.ts for why that cannot change the script). Each answer lists the keys read: the queried key,
// and with Recurse all keys below it, depth first as reg.exe /s printed them; without Recurse also the
// names of its direct subkeys. Values keep reg.exe's spelling: REG_* types, REG_EXPAND_SZ unexpanded,
// DWORD/QWORD as 0x<lowercase hex>, binary as uppercase hex, REG_MULTI_SZ items joined by a literal "\0".
// The 64-bit view is read, as a 64-bit reg.exe did; the 32-bit one is the WOW6432Node path.

export const REG_SCRIPT =
  PS_PRELUDE +
  [
    '& {param([string]$b)',
    '$q=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b))|ConvertFrom-Json;',
    '$hv=@{HKLM=[Microsoft.Win32.RegistryHive]::LocalMachine;HKU=[Microsoft.Win32.RegistryHive]::Users};$n=0;',
    '$out=foreach($e in $q){$r=[ordered]@{Key=$e.k;Found=$false;Denied=0;Truncated=$false;Error=$null;Keys=@()};',
    'try{$i=$e.k.IndexOf([char]92);if($i -lt 0){$h=$e.k;$p=$null}else{$h=$e.k.Substring(0,$i);$p=$e.k.Substring($i+1)};',
    "$k=[Microsoft.Win32.RegistryKey]::OpenBaseKey($hv[$h],'Registry64');if($p){$k=$k.OpenSubKey($p)};",
    'if($k){$r.Found=$true;$todo=New-Object Collections.Stack;$todo.Push($k);$keys=New-Object Collections.ArrayList;',
    'while($todo.Count -gt 0){if($n -ge 20000){$r.Truncated=$true;break};$c=$todo.Pop();$n++;',
    '$names=@($c.GetValueNames());if($null -ne $e.v){$names=@($names|Where-Object{$_ -eq $e.v})};',
    '$vs=@(foreach($m in $names){$t=[string]$c.GetValueKind($m);',
    "$d=$c.GetValue($m,$null,'DoNotExpandEnvironmentNames');",
    "if($d -is [byte[]]){$d=[BitConverter]::ToString($d).Replace('-','')}elseif($t -eq 'DWord' -or $t -eq 'QWord'){$d='0x{0:x}' -f $d};",
    '[pscustomobject]@{Name=$m;Kind=$t;Data=$d}});',
    '$o=[ordered]@{Path=$c.Name;Values=$vs};$subs=@($c.GetSubKeyNames());',
    'if($e.s){for($j=$subs.Count-1;$j -ge 0;$j--){try{$x=$c.OpenSubKey($subs[$j]);if($x){$todo.Push($x)}}catch{$r.Denied++}}}else{$o.Subkeys=$subs};',
    '[void]$keys.Add([pscustomobject]$o)};$r.Keys=@($keys)}}',
    'catch{$r.Error=$_.Exception.Message};[pscustomobject]$r};',
    'ConvertTo-Json -Compress -Depth 6 -InputObject @($out)}',
  ].join('');

export interface RegValue {
  name: string; // "(Default)" for the unnamed value, as reg.exe spelled it in English
  type: string; // REG_SZ, REG_EXPAND_SZ, REG_DWORD...
  data: string;
}

export interface RegKey {
  path: string; // root spelled out: HKEY_LOCAL_MACHINE\...
  values: RegValue[];
  subkeys?: string[]; // names of direct subkeys, for a query without recurse
}

export interface RegQuery {
  key: string; // HKLM\... or HKU\...
  recurse?: boolean;
  value?: string | undefined; // only this value
}

/** What one query found: null keys when the key does not exist. */
export interface RegAnswer {
  keys: RegKey[] | null;
  denied: number; // subkeys that could not be opened while recursing (skipped)
  truncated: boolean;
}

// RegistryValueKind, as [string] prints it, to the names Windows documents (and reg.exe printed)
const KINDS: Record<string, string> = {
  String: 'REG_SZ',
  ExpandString: 'REG_EXPAND_SZ',
  Binary: 'REG_BINARY',
  DWord: 'REG_DWORD',
  QWord: 'REG_QWORD',
  MultiString: 'REG_MULTI_SZ',
  None: 'REG_NONE',
  Unknown: 'REG_UNKNOWN',
};

const MAX_VALUES = 4096;
const MAX_SUBKEYS = 65_536;

function valueData(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join('\\0');
  return '';
}

function regKey(k: unknown): RegKey | undefined {
  if (!isRecord(k)) return undefined;
  const path = str(k.Path)?.trimEnd();
  if (!path) return undefined;
  const values: RegValue[] = [];
  for (const v of psList(k.Values).slice(0, MAX_VALUES)) {
    if (!isRecord(v) || typeof v.Name !== 'string') continue;
    const kind = typeof v.Kind === 'string' ? v.Kind : '';
    values.push({ name: v.Name === '' ? '(Default)' : v.Name, type: KINDS[kind] ?? 'REG_UNKNOWN', data: valueData(v.Data) });
  }
  const key: RegKey = { path, values };
  if ('Subkeys' in k)
    key.subkeys = psList(k.Subkeys)
      .slice(0, MAX_SUBKEYS)
      .filter((s): s is string => typeof s === 'string');
  return key;
}

/** Parses REG_SCRIPT's output: one answer per query, in order; a refused query throws one line naming it. */
export function parseRegJson(out: string, queries: RegQuery[]): RegAnswer[] {
  const doc = psList(parsePsJson(out, 'registry read'));
  if (doc.length !== queries.length) throw new Error(`registry read: ${doc.length} answers for ${queries.length} queries`);
  return queries.map((q, i) => {
    const a = doc[i];
    if (!isRecord(a)) throw new Error(`registry read ${describe(q)}: no answer`);
    const err = str(a.Error);
    if (err) throw new Error(`registry read ${describe(q)} failed: ${err.split(/\r?\n/)[0].trim()}`);
    const keys =
      a.Found === true
        ? psList(a.Keys)
            .map(regKey)
            .filter((k): k is RegKey => !!k)
        : null;
    return { keys, denied: typeof a.Denied === 'number' ? a.Denied : 0, truncated: a.Truncated === true };
  });
}

function describe(q: RegQuery): string {
  return `${q.key}${q.value !== undefined ? ` value ${q.value}` : ''}`;
}

/** The data argument for a list of queries (short field names keep the command line small). */
export function regQueryArg(queries: RegQuery[]): string {
  return psData(queries.map((q) => ({ k: q.key, ...(q.recurse ? { s: 1 } : {}), ...(q.value !== undefined ? { v: q.value } : {}) })));
}

/** Reads a list of keys in one PowerShell run. Throws one line if the run fails or any key is refused. */
export async function regRead(ctx: CollectorContext, queries: RegQuery[], what = 'registry read'): Promise<RegAnswer[]> {
  if (queries.length === 0) return [];
  const out = await runPowerShell(ctx, REG_SCRIPT, what, { data: [regQueryArg(queries)], timeoutMs: 60_000 });
  return parseRegJson(out, queries);
}

export function regValue(key: RegKey, name: string): string | undefined {
  const n = name.toLowerCase();
  return key.values.find((v) => v.name.toLowerCase() === n)?.data;
}

/** REG_DWORD / REG_QWORD data ("0x1") as a number. */
export function regNumber(data: string | undefined): number | undefined {
  const m = data ? /^0x([0-9a-f]+)$/i.exec(data.trim()) : null;
  return m ? parseInt(m[1], 16) : undefined;
}

const ROOTS: Record<string, string> = {
  HKLM: 'HKEY_LOCAL_MACHINE',
  HKU: 'HKEY_USERS',
  HKCU: 'HKEY_CURRENT_USER',
  HKCR: 'HKEY_CLASSES_ROOT',
  HKCC: 'HKEY_CURRENT_CONFIG',
};

/** A key path with its root spelled out, as RegistryKey.Name prints it. */
export function fullKey(path: string): string {
  const i = path.indexOf('\\');
  const root = i < 0 ? path : path.slice(0, i);
  const rest = i < 0 ? '' : path.slice(i);
  return (ROOTS[root.toUpperCase()] ?? root) + rest.replace(/\\+$/, '');
}

/** The answer's entry for the queried key itself. */
export function selfKey(keys: RegKey[] | null, key: string): RegKey | undefined {
  const want = fullKey(key).toLowerCase();
  return keys?.find((k) => k.path.toLowerCase() === want);
}

/**
 * SIDs of the user hives loaded under HKU (users logged on or running something), without the
 * "_Classes" companions and .DEFAULT (an alias of S-1-5-18). Hives of users who are not logged on are
 * not loaded, so their per-user installs and Run keys are not seen: a known limit.
 */
export function userHives(ctx: CollectorContext): Promise<string[]> {
  return once(ctx.runner, 'reg-hku', async () => {
    const [hku] = await regRead(ctx, [{ key: 'HKU' }], 'registry read HKU');
    const self = selfKey(hku.keys, 'HKU');
    if (!self) throw new Error('registry read HKU failed: no HKEY_USERS');
    return (self.subkeys ?? []).filter((sid) => !/_Classes$/i.test(sid) && /^S-1-[0-9-]+$/i.test(sid));
  });
}
