import type { Evidence, Finding } from '../model.ts';
import { compileGlob } from './glob.ts';
import type { AllowRule } from './types.ts';

// Whether an allow rule covers a finding, judged from the finding's evidence alone (the policy runs on
// findings, so a saved scan can be re-judged against a new policy).
//
// The engine labels evidence "<name> (pid N)", "<label> signed by <signer>", "<label> TeamIdentifier=<id>".
// Names and signers come from the inspected laptop, and an attacker can put "(pid 7) signed by ..." inside
// a process name or a self-made certificate's subject. So a value that contains such a marker more than
// once is not trusted to prove anything, and every doubt leaves the finding open.

export type Verdict = { ok: true } | { ok: false; why: string };

const PID = /\(pid (\d+)\)/g;

function count(s: string, needle: string): number {
  return s.split(needle).length - 1;
}

/** The pid a piece of evidence is about, null when it names none, 'ambiguous' when it names several. */
function pidOf(ev: Evidence): number | null | 'ambiguous' {
  const pids = [...ev.value.matchAll(PID)].map((m) => Number(m[1]));
  if (pids.length === 0) return null;
  return pids.length === 1 ? pids[0] : 'ambiguous';
}

interface Claim {
  pid: number | null; // null: about a package or file, not a running process
  subject: string; // the signer or Team ID the evidence states
}

function claimOf(ev: Evidence, marker: string): Claim | undefined {
  if (count(ev.value, marker) !== 1) return undefined;
  const pid = pidOf(ev);
  if (pid === 'ambiguous') return undefined;
  const subject = ev.value.slice(ev.value.indexOf(marker) + marker.length).trim();
  if (!subject || (pid !== null && !ev.value.slice(0, ev.value.indexOf(marker)).trimEnd().endsWith(`(pid ${pid})`))) {
    return undefined;
  }
  return { pid, subject };
}

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
  const apple = /^(?:Developer ID Application|Apple Development|Apple Distribution|Mac Developer|3rd Party Mac Developer Application):\s*(.+?)\s*\([A-Z0-9]{10}\)$/.exec(signer.trim());
  if (apple) names.push(norm(apple[1]));
  return names;
}

/**
 * Identity narrowing (signer or Team ID): at least one claim matches; no claim names another identity;
 * every process the finding mentions has a matching claim of its own.
 */
function identityCovers(f: Finding, type: string, marker: string, wanted: string[], label: string): Verdict {
  const want = new Set(wanted.map(norm));
  const names = type === 'signer' ? signerNames : (s: string) => [norm(s)];
  const verified = new Set<number>();
  let any = false;
  for (const ev of f.evidence) {
    if (ev.type !== type) continue;
    const claim = claimOf(ev, marker);
    if (!claim) return { ok: false, why: `cannot read ${label} evidence "${ev.value}"` };
    if (!names(claim.subject).some((n) => want.has(n))) return { ok: false, why: `${label} "${claim.subject}" is not allowed` };
    any = true;
    if (claim.pid !== null) verified.add(claim.pid);
  }
  if (!any) return { ok: false, why: `no ${label} evidence (unsigned, or not running)` };
  for (const ev of f.evidence) {
    const pid = pidOf(ev);
    if (pid === null) continue;
    if (pid === 'ambiguous') return { ok: false, why: `evidence names several processes: "${ev.value}"` };
    if (!verified.has(pid)) return { ok: false, why: `pid ${pid} has no allowed ${label}` };
  }
  return { ok: true };
}

/** Compiles "C:/Program Files/TeamViewer/**" style globs; matching ignores case and slash direction. */
export function globRegExp(glob: string): RegExp {
  const g = glob.replace(/\\/g, '/').toLowerCase();
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const ch = g[i];
    if (ch === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function pathCovers(f: Finding, globs: string[]): Verdict {
  const res = globs.map(compileGlob);
  let any = false;
  for (const ev of f.evidence) {
    if (ev.type !== 'path' && ev.type !== 'install-path') continue;
    any = true;
    const p = ev.value.replace(/\\/g, '/').toLowerCase();
    if (!res.some((r) => r.test(p))) return { ok: false, why: `path "${ev.value}" is outside the allowed locations` };
  }
  return any ? { ok: true } : { ok: false, why: 'no path evidence' };
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
// Client (7f3a...)"), so every service, autostart, package and path the finding lists must carry one of the
// allowed ids: a second instance's client running from its own folder is not the company's.
const INSTANCE_NAMED = new Set(['service', 'autostart', 'package', 'path', 'install-path']);

function instanceCovers(f: Finding, ids: string[]): Verdict {
  let any = false;
  for (const ev of f.evidence) {
    const has = ids.some((id) => hasToken(ev.value, id));
    if (has) any = true;
    if (!has && INSTANCE_NAMED.has(ev.type)) {
      return { ok: false, why: `${ev.type} "${ev.value}" is not an allowed instance` };
    }
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
  const renamed = f.evidence.find((e) => e.type === 'process-renamed');
  if (renamed) return { ok: false, why: `renamed copy: ${renamed.value}` };
  const checks: (() => Verdict)[] = [];
  if (rule.signer) checks.push(() => identityCovers(f, 'signer', ' signed by ', rule.signer!, 'signer'));
  if (rule.teamId) checks.push(() => identityCovers(f, 'team-id', ' TeamIdentifier=', rule.teamId!, 'Team ID'));
  if (rule.path) checks.push(() => pathCovers(f, rule.path!));
  if (rule.instance) checks.push(() => instanceCovers(f, rule.instance!));
  for (const check of checks) {
    const v = check();
    if (!v.ok) return v;
  }
  return { ok: true };
}
