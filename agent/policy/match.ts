import type { Evidence, Finding } from '../model.ts';
import { compileGlob } from './glob.ts';
import type { AllowRule } from './types.ts';

// Whether an allow rule covers a finding, judged from the finding's evidence alone (the policy runs on
// findings, so a saved scan can be re-judged against a new policy). Evidence carries its facts as fields
// (agent/model.ts), so a signer, a pid or a path is read, never parsed out of a sentence: a hostile
// process name cannot smuggle a second claim in. Every doubt leaves the finding open.

export type Verdict = { ok: true } | { ok: false; why: string };

function norm(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The names a signer string stands for: the string itself, the CN of an Authenticode subject
 * ("CN=TeamViewer Germany GmbH, O=..., C=DE") and the developer of an Apple authority
 * ("Developer ID Application: TeamViewer Germany GmbH (H7UGFBUGV6)"). Matching is on whole names, never
 * substrings, so "Not TeamViewer Germany GmbH Ltd" is a different signer. Whether the signature is valid
 * and trusted is the collector's business: it must fill BinaryIdentity.signer only for verified signatures.
 */
export function signerNames(signer: string): string[] {
  const names = [norm(signer)];
  const cn = /(?:^|,)\s*CN=("(?:[^"]|"")*"|(?:\\.|[^,])*)/i.exec(signer)?.[1];
  if (cn) names.push(norm(cn.startsWith('"') ? cn.slice(1, -1).replace(/""/g, '"') : cn.replace(/\\(.)/g, '$1')));
  const apple =
    /^(?:Developer ID Application|Apple Development|Apple Distribution|Mac Developer|3rd Party Mac Developer Application):\s*(.+?)\s*\([A-Z0-9]{10}\)$/.exec(
      signer.trim(),
    );
  if (apple) names.push(norm(apple[1]));
  return names;
}

/** The processes a finding is about: its process items and the owners of its sockets and banners. */
function pidsOf(f: Finding): Set<number> {
  const pids = new Set<number>();
  for (const e of f.evidence) {
    // Cases ordered so that none falls through to one with the same effect: a mutant emptying a case shows
    switch (e.type) {
      case 'socket':
      case 'banner':
        if (e.pid !== undefined) pids.add(e.pid);
        break;
      case 'process':
      case 'cmdline-domain':
        pids.add(e.pid);
        break;
    }
  }
  return pids;
}

/**
 * Identity narrowing (signer or Team ID): at least one item states an identity; every stated identity is
 * allowed; every process the finding is about states an allowed one itself.
 */
function identityCovers(f: Finding, field: 'signer' | 'teamId', wanted: string[], label: string): Verdict {
  const want = new Set(wanted.map(norm));
  const names = field === 'signer' ? signerNames : (s: string) => [norm(s)];
  const verified = new Set<number>();
  let any = false;
  for (const e of f.evidence) {
    // Stryker disable next-line ConditionalExpression: only process and package evidence have a teamId
    if (e.type !== 'process' && !(e.type === 'package' && field === 'teamId')) continue;
    const subject = e[field as 'teamId'];
    if (subject === undefined) continue;
    if (!names(subject).some((n) => want.has(n))) return { ok: false, why: `${label} "${subject}" is not allowed` };
    any = true;
    // Stryker disable next-line ConditionalExpression: package evidence has no pid, and no pid is undefined
    if (e.type === 'process') verified.add(e.pid);
  }
  if (!any) return { ok: false, why: `no ${label} evidence (unsigned, or not running)` };
  for (const pid of pidsOf(f)) if (!verified.has(pid)) return { ok: false, why: `pid ${pid} has no allowed ${label}` };
  return { ok: true };
}

/** Every file system location the finding names: executables, install locations, service programs, files. */
function pathsOf(f: Finding): string[] {
  const out: string[] = [];
  for (const e of f.evidence) {
    switch (e.type) {
      case 'package':
      case 'service':
        if (e.path) out.push(e.path);
        break;
      case 'process':
        if (e.exe) out.push(e.exe);
        break;
      case 'file':
        out.push(e.path);
        break;
    }
  }
  return out;
}

function pathCovers(f: Finding, globs: string[]): Verdict {
  const res = globs.map(compileGlob);
  const paths = pathsOf(f);
  for (const p of paths) {
    if (!res.some((r) => r.test(p))) return { ok: false, why: `path "${p}" is outside the allowed locations` };
  }
  return paths.length ? { ok: true } : { ok: false, why: 'no path evidence' };
}

// Instance ids are matched as whole tokens: "7f3a" must not be found inside an attacker's "7f3a9c..."
function hasToken(value: string, token: string): boolean {
  const v = value.toLowerCase();
  const t = token.toLowerCase();
  for (let at = v.indexOf(t); at >= 0; at = v.indexOf(t, at + 1)) {
    const before = at === 0 ? '' : v[at - 1];
    const after = v[at + t.length] ?? '';
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return true;
  }
  return false;
}

// Vendors name each instance's service, Uninstall entry and install folder after its id ("ScreenConnect
// Client (7f3a...)"), so every service, package and program path the finding lists must carry one of the
// allowed ids: a second instance's client running from its own folder is not the company's.
function instanceTexts(e: Evidence): string[] | undefined {
  switch (e.type) {
    case 'service':
      return [e.name, e.displayName, e.path].filter((t): t is string => t !== undefined);
    case 'package':
      return [e.name, e.path].filter((t): t is string => t !== undefined);
    case 'process':
      return e.exe ? [e.exe] : undefined;
    case 'file':
      return [e.path];
    // Stryker disable next-line ConditionalExpression: falling out of the switch returns undefined as well
    default:
      return undefined;
  }
}

function instanceCovers(f: Finding, ids: string[]): Verdict {
  let any = false;
  for (const e of f.evidence) {
    const texts = instanceTexts(e);
    if (!texts) continue;
    const has = texts.some((t) => ids.some((id) => hasToken(t, id)));
    if (!has) return { ok: false, why: `${e.type} "${texts.find(Boolean) ?? ''}" is not an allowed instance` };
    any = true;
  }
  return any ? { ok: true } : { ok: false, why: 'no evidence names an allowed instance' };
}

export function isNarrowed(rule: AllowRule): boolean {
  return Boolean(rule.signer || rule.teamId || rule.path || rule.instance);
}

/** Whether the rule allows the finding; the finding's tool id must already be the rule's. */
export function ruleCovers(rule: AllowRule, f: Finding): Verdict {
  if (!isNarrowed(rule)) return { ok: true };
  // A renamed copy is how a sanctioned tool gets abused; only an unconditional rule lets it through
  // Stryker disable next-line ConditionalExpression: only process evidence can be renamed
  const renamed = f.evidence.find((e) => e.type === 'process' && e.renamed);
  if (renamed?.type === 'process') {
    return {
      ok: false,
      why: `renamed copy: ${renamed.name} (pid ${renamed.pid})${renamed.copyOf ? ` is a copy of ${renamed.copyOf}` : ` matched by ${renamed.matchedBy}`}`,
    };
  }
  const checks: (() => Verdict)[] = [];
  if (rule.signer) checks.push(() => identityCovers(f, 'signer', rule.signer!, 'signer'));
  if (rule.teamId) checks.push(() => identityCovers(f, 'teamId', rule.teamId!, 'Team ID'));
  if (rule.path) checks.push(() => pathCovers(f, rule.path!));
  if (rule.instance) checks.push(() => instanceCovers(f, rule.instance!));
  for (const check of checks) {
    const v = check();
    if (!v.ok) return v;
  }
  return { ok: true };
}
