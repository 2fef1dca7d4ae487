import type { BinaryIdentity, PeMetadata } from '../../model.ts';
import type { Enricher } from '../types.ts';
import { DEFAULT_IDENTITY_LIMITS } from '../common/identity.ts';
import { cleanOpt } from '../../text.ts';
import { PS_PRELUDE, int, parseJsonRecords, runPowerShell, str } from './powershell.ts';

// What each running executable really is: its PE version resource (a renamed AnyDesk.exe still says
// OriginalFilename "AnyDesk.exe"), its Authenticode signer and its SHA-256, in one PowerShell call.
//
// How the paths reach PowerShell: powershell.exe -Command joins every argument after -Command into the
// script text, so any "data argument" is code to it. The script is therefore a fixed script block and
// the only argument after it is a single-quoted literal holding base64 of a UTF-8 JSON list of paths.
// Base64 has no quote, space or backtick, so that literal cannot end early or expand anything, whatever
// the paths contain (quotes, `$(...)`, newlines); the block decodes it and treats each path with
// -LiteralPath (no wildcards). We check the alphabet before running, so this holds even if the
// encoder changed. Nothing goes through the environment or a temporary file.

export const IDENTITY_SCRIPT =
  PS_PRELUDE +
  [
    '& {param([string]$b)',
    '$ps=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b))|ConvertFrom-Json;',
    '$out=foreach($p in $ps){$r=[ordered]@{Path=$p};',
    'try{$i=Get-Item -LiteralPath $p -Force;$v=$i.VersionInfo;$r.Size=$i.Length;',
    '$r.OriginalFilename=$v.OriginalFilename;$r.ProductName=$v.ProductName;$r.CompanyName=$v.CompanyName;$r.FileDescription=$v.FileDescription}',
    'catch{$r.Error=$_.Exception.Message};',
    'try{$s=Get-AuthenticodeSignature -LiteralPath $p;$r.Status=[string]$s.Status;if($s.SignerCertificate){$r.Signer=$s.SignerCertificate.Subject}}catch{};',
    'try{$r.Sha256=(Get-FileHash -LiteralPath $p -Algorithm SHA256).Hash}catch{};',
    '[pscustomobject]$r};',
    'ConvertTo-Json -Compress -InputObject @($out)}',
  ].join('');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_PATHS_PER_CALL = 64;
const MAX_B64_PER_CALL = 20_000; // the whole command line must stay under Windows' 32767 characters

/** The argument that carries the paths: a quoted base64 literal (see above). */
export function encodePaths(paths: string[]): string {
  const b64 = Buffer.from(JSON.stringify(paths), 'utf8').toString('base64');
  if (!BASE64.test(b64)) throw new Error('windows.identity: path list did not encode to base64');
  return `'${b64}'`;
}

/** Splits the distinct paths into calls that fit on one command line. */
export function batches(paths: string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const p of paths) {
    const next = [...cur, p];
    if (cur.length && (next.length > MAX_PATHS_PER_CALL || encodePaths(next).length > MAX_B64_PER_CALL)) {
      out.push(cur);
      cur = [p];
    } else cur = next;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The CN of an X.500 subject as .NET prints it: CN="ConnectWise, LLC", O=... (quotes around commas). */
export function subjectCommonName(subject: string): string | undefined {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < subject.length; i++) {
    const c = subject[i];
    if (c === '"') {
      if (quoted && subject[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  const cn = parts.find((p) => /^CN=/i.test(p));
  return cn ? cn.slice(3).trim() || undefined : undefined;
}

// System.Management.Automation.SignatureStatus, for PowerShell versions that print the enum as a number
const STATUS = ['Valid', 'UnknownError', 'NotSigned', 'HashMismatch', 'NotTrusted', 'NotSupportedFileFormat', 'Incompatible'];

/**
 * The identity one JSON record describes. A signer whose signature does not verify keeps its name with
 * the status appended ("AnyDesk Software GmbH (HashMismatch)"): a tampered or self-made certificate
 * still says what it claims to be, but must never pass for the real vendor in an allow rule.
 */
export function identityFromRecord(r: Record<string, unknown>): BinaryIdentity | undefined {
  const id: BinaryIdentity = {};
  const sha = str(r.Sha256);
  if (sha && /^[0-9a-f]{64}$/i.test(sha)) id.sha256 = sha.toLowerCase();
  const size = int(r.Size);
  if (size !== undefined) id.size = size;
  const pe: PeMetadata = {};
  const fields = [
    ['originalFilename', r.OriginalFilename],
    ['productName', r.ProductName],
    ['companyName', r.CompanyName],
    ['fileDescription', r.FileDescription],
  ] as const;
  for (const [k, v] of fields) {
    const s = cleanOpt(str(v), 256);
    if (s) pe[k] = s;
  }
  if (Object.keys(pe).length) id.pe = pe;
  const subject = str(r.Signer);
  const cn = subject ? (subjectCommonName(subject) ?? subject) : undefined;
  if (cn) {
    const status = typeof r.Status === 'number' ? (STATUS[r.Status] ?? String(r.Status)) : (str(r.Status) ?? 'UnknownError');
    id.signer = cleanOpt(status === 'Valid' ? cn : `${cn} (${status})`, 256);
  }
  return Object.keys(id).length ? id : undefined;
}

export const identityEnricher: Enricher = {
  name: 'windows.identity',
  async enrich(ctx, inv) {
    const byPath = new Map<string, string>(); // lowercase -> first spelling seen (Windows paths ignore case)
    for (const p of inv.processes) if (p.exe && !byPath.has(p.exe.toLowerCase())) byPath.set(p.exe.toLowerCase(), p.exe);
    const paths = [...byPath.values()].sort().slice(0, DEFAULT_IDENTITY_LIMITS.maxFiles);
    const found = new Map<string, BinaryIdentity>();
    for (const batch of batches(paths)) {
      const json = await runPowerShell(ctx, IDENTITY_SCRIPT, 'file identity (Get-AuthenticodeSignature, Get-FileHash)', {
        data: [encodePaths(batch)],
        timeoutMs: 60_000,
      });
      for (const r of parseJsonRecords(json, 'file identity')) {
        const path = str(r.Path);
        const id = identityFromRecord(r);
        if (path && id) found.set(path.toLowerCase(), id);
      }
    }
    for (const p of inv.processes) {
      const id = p.exe ? found.get(p.exe.toLowerCase()) : undefined;
      if (id) p.identity = { ...id };
    }
  },
};
