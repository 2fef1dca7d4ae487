import type { CollectorContext } from '../types.ts';
import { firstLine } from '../common/exec.ts';

// Windows facts come from Windows PowerShell 5.1 (present on every supported Windows) as JSON. Every
// script is a constant in our code; it never contains a double quote, so no layer of Windows argument
// quoting (Node's, then powershell.exe's own re-parsing of -Command) can change its meaning.

export const POWERSHELL = 'powershell.exe';
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

export interface PsOptions {
  data?: string[];
  timeoutMs?: number;
}

/** Runs a script and returns stdout; a missing powershell, a timeout or a failed script throws one line naming `what`. */
export async function runPowerShell(ctx: CollectorContext, script: string, what: string, opts: PsOptions = {}): Promise<string> {
  let res;
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
  return firstLine(stderr.split(/\r?\n/).filter((l) => !l.startsWith('#< CLIXML') && !l.startsWith('<Objs ')).join('\n'));
}

/**
 * Parses ConvertTo-Json output into a list of objects. ConvertTo-Json prints one object (not a list)
 * when there is one item and nothing at all when there are none; a BOM or CRLF may surround it.
 */
export function parseJsonRecords(text: string, what: string): Record<string, unknown>[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (!body) return [];
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw new Error(`${what}: output is not valid JSON (${firstLine(e instanceof Error ? e.message : String(e))})`);
  }
  return asRecords(v, what);
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
