import type { ExecResult } from '../../runner.ts';
import type { CollectorContext } from '../types.ts';
import { firstLine } from '../common/exec.ts';

// Windows facts come from Windows PowerShell 5.1 (present on every supported Windows) as JSON. Every
// script is a constant in our code; it never contains a double quote, so no layer of Windows argument
// quoting (Node's, then powershell.exe's own re-parsing of -Command) can change its meaning.

/**
 * The Windows folder, for absolute program paths: the runner never searches PATH (a planted
 * powershell.exe in a user-writable PATH folder must not run as SYSTEM). %SystemRoot% is set by Windows
 * for every process; anything that does not look like a drive path falls back to the default.
 */
export function systemRoot(): string {
  const v = process.platform === 'win32' ? process.env.SystemRoot : undefined;
  return v && /^[A-Za-z]:\\[^%"\r\n]*$/.test(v) ? v.replace(/\\+$/, '') : 'C:\\Windows';
}

/** A program in System32, by absolute path. */
export function system32(exe: string): string {
  return `${systemRoot()}\\System32\\${exe}`;
}

export const POWERSHELL = system32('WindowsPowerShell\\v1.0\\powershell.exe');
const FLAGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

/**
 * Starts every script: UTF-8 without a BOM on stdout (the default OEM code page turns non-ASCII names
 * into '?'); no progress records (they leak to stderr as "#< CLIXML" blobs); stop at the first error so a
 * failed query exits non-zero instead of printing half a result.
 */
export const PS_PRELUDE =
  "$ProgressPreference='SilentlyContinue';$ErrorActionPreference='Stop';[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false;";

/** The argument array for a script; `data` arguments follow it (see identity.ts for why that is safe). */
export function psArgs(script: string, data: string[] = []): string[] {
  return [...FLAGS, script, ...data];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A value for a script's param() block: a single-quoted literal of base64 of its UTF-8 JSON. Base64 has
 * no quote, space or backtick, so the literal cannot end early or expand anything (identity.ts says why
 * that matters); the script decodes it with FromBase64String and ConvertFrom-Json.
 */
export function psData(value: unknown): string {
  const b64 = Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
  if (!BASE64.test(b64)) throw new Error('PowerShell data argument did not encode to base64');
  return `'${b64}'`;
}

export interface PsOptions {
  data?: string[];
  timeoutMs?: number;
}

/** Runs a script and returns stdout; a missing powershell, a timeout or a failed script throws one line naming `what`. */
export async function runPowerShell(ctx: CollectorContext, script: string, what: string, opts: PsOptions = {}): Promise<string> {
  let res: ExecResult;
  try {
    res = await ctx.runner.exec(POWERSHELL, psArgs(script, opts.data), { timeoutMs: opts.timeoutMs ?? 30_000 });
  } catch (e) {
    throw new Error(`${what} failed: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (res.code !== 0) throw new Error(`${what} failed: ${psError(res.stderr) || `exit code ${res.code}`}`);
  return res.stdout;
}

/** The first line of PowerShell's stderr that says something (skips the CLIXML progress noise). */
function psError(stderr: string): string {
  return firstLine(
    stderr
      .split(/\r?\n/)
      .filter((l) => !l.startsWith('#< CLIXML') && !l.startsWith('<Objs '))
      .join('\n'),
  );
}

const MAX_JSON_DEPTH = 32;
// ConvertTo-Json in Windows PowerShell 5.1 writes [DateTime] as "\/Date(<ms>)\/" (JSON.parse leaves "/Date(ms)/")
const PS_DATE = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/;

/**
 * What Windows PowerShell 5.1 does to JSON, undone at any depth: an array written as
 * {"value":[...],"Count":n} (the extended type data on System.Array) becomes the array, and a
 * "\/Date(ms)\/" string becomes an ISO date. PowerShell 7 prints both plainly, so its output passes unchanged.
 */
export function psValue(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) return undefined;
  if (typeof v === 'string') {
    const m = PS_DATE.exec(v);
    if (!m) return v;
    const d = new Date(Number(m[1]));
    return Number.isNaN(d.getTime()) ? v : d.toISOString();
  }
  if (Array.isArray(v)) return v.map((x) => psValue(x, depth + 1));
  if (!isRecord(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 2 && Array.isArray(v.value) && 'Count' in v) return psValue(v.value, depth);
  const out: Record<string, unknown> = {};
  for (const k of keys)
    Object.defineProperty(out, k, { value: psValue(v[k], depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The one reader of PowerShell JSON: BOM and whitespace trimmed, empty output is null, 5.1's shapes undone (psValue). */
export function parsePsJson(text: string, what: string): unknown {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (!body) return null;
  try {
    return psValue(JSON.parse(body));
  } catch (e) {
    throw new Error(`${what}: output is not valid JSON (${firstLine(e instanceof Error ? e.message : String(e))})`);
  }
}

/** A JSON value as a list: null is none, an array is itself, anything else one item (ConvertTo-Json unrolls one-element lists). */
export function psList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Parses ConvertTo-Json output into a list of objects. ConvertTo-Json prints one object (not a list)
 * when there is one item and nothing at all when there are none; a BOM or CRLF may surround it.
 */
export function parseJsonRecords(text: string, what: string): Record<string, unknown>[] {
  return asRecords(parsePsJson(text, what), what);
}

export function asRecords(v: unknown, what: string): Record<string, unknown>[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter(isRecord);
  if (isRecord(v)) return [v];
  throw new Error(`${what}: expected JSON objects, got ${typeof v}`);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string field (CIM leaves absent values as null, VersionInfo as ""). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** A non-negative integer field, also when a PowerShell version printed it as a string. */
export function int(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
