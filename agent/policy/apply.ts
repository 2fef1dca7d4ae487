import type { Finding } from '../model.ts';
import { ruleCovers } from './match.ts';
import type { AllowRule, Policy, Suppression } from './types.ts';

// Applies the company policy to findings. Pure: the clock is a parameter, the input is not modified,
// and applying the same policy twice gives the same result (statuses are recomputed from scratch).
//
// Order: severity overrides first (an allowed tool keeps the severity it would have), then allow rules
// (a sanctioned tool is not a finding at all), then suppressions (a known finding tolerated until a date).

function describe(rule: AllowRule, i: number): string {
  const parts = [rule.tool];
  if (rule.signer) parts.push(`signer ${rule.signer.map((s) => `"${s}"`).join(' or ')}`);
  if (rule.teamId) parts.push(`Team ID ${rule.teamId.join(' or ')}`);
  if (rule.path) parts.push(`path ${rule.path.join(' or ')}`);
  if (rule.instance) parts.push(`instance ${rule.instance.join(' or ')}`);
  return `allow[${i}] (${parts.join(', ')})`;
}

function suppressionFor(f: Finding, list: Suppression[]): { s: Suppression; i: number }[] {
  const out: { s: Suppression; i: number }[] = [];
  list.forEach((s, i) => {
    if ((s.finding && s.finding === f.id) || (s.tool && s.tool === f.tool.id.toLowerCase())) out.push({ s, i });
  });
  return out;
}

function judge(f: Finding, policy: Policy, nowMs: number): Finding {
  const out: Finding = { ...f, status: 'finding' };
  delete out.reason;
  const sev = policy.severity[f.tool.category];
  if (sev) out.severity = sev;

  const misses: string[] = [];
  for (const [i, rule] of policy.allow.entries()) {
    if (rule.tool !== f.tool.id.toLowerCase()) continue;
    const v = ruleCovers(rule, f);
    if (v.ok) {
      out.status = 'allowed';
      out.reason = `policy ${describe(rule, i)}${rule.reason ? `: ${rule.reason}` : ''}`;
      return out;
    }
    misses.push(`${describe(rule, i)} does not apply: ${v.why}`);
  }

  const sups = suppressionFor(f, policy.suppressions);
  const active = sups.find(({ s }) => nowMs < s.expiresAt);
  if (active) {
    out.status = 'suppressed';
    out.reason = `policy suppressions[${active.i}] until ${active.s.expires}: ${active.s.reason}`;
    return out;
  }
  // Say why a finding the policy seems to cover is still open, so whoever reads the report can fix the policy
  const expired = sups.map(({ s, i }) => `suppressions[${i}] expired ${s.expires} (was: ${s.reason})`);
  const notes = [...misses, ...expired];
  if (notes.length) out.reason = `policy: ${notes.join('; ')}`;
  return out;
}

export function applyPolicy(findings: Finding[], policy: Policy, now: Date): Finding[] {
  const nowMs = now.getTime();
  return findings.map((f) => judge(f, policy, nowMs));
}
