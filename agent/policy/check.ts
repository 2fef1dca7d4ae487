import type { Catalog } from '../catalog/types.ts';
import { SIGNAL_IDS } from '../engine/signals.ts';
import type { Policy } from './types.ts';

/**
 * Rules naming a tool the catalog does not know match nothing; usually that is a typo ("anydek") that
 * would silently leave a sanctioned tool reported, so each one is named. Warnings, not errors: a policy
 * written for a newer catalog must not stop the agent on an older one.
 */
export function policyWarnings(policy: Policy, catalog: Catalog): string[] {
  const known = new Set<string>([...catalog.tools.map((t) => t.id), ...Object.values(SIGNAL_IDS)]);
  const out: string[] = [];
  const check = (id: string | undefined, where: string) => {
    if (id === undefined || known.has(id)) return;
    const near = [...known].filter((k) => k.startsWith(id.slice(0, 4)) || id.startsWith(k.slice(0, 4))).slice(0, 3);
    out.push(
      `policy ${policy.origin}: ${where} "${id}" is not a tool in the catalog, so it matches nothing${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`,
    );
  };
  for (const [i, r] of policy.allow.entries()) check(r.tool, `allow[${i}].tool`);
  for (const [i, s] of policy.suppressions.entries()) check(s.tool, `suppressions[${i}].tool`);
  return out;
}
