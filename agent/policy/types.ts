import type { Category, Severity } from '../model.ts';
import { oneLine } from '../vocabulary.ts';

// The company policy: which remote-access tools are sanctioned (and in which exact form), how severe
// each category is, and which findings are knowingly tolerated until a date.

/**
 * A sanctioned tool. Without narrowing, every copy of the tool is allowed; each narrowing field (any of
 * its values) must hold for every binary the finding names, so an unsigned or renamed copy next to the
 * sanctioned one keeps the whole finding open.
 */
export interface AllowRule {
  tool: string; // catalog tool id, lowercase
  /** Authenticode subject / Apple signing authority, compared whole and case-insensitively. */
  signer?: string[];
  /** Apple Team IDs, uppercase. */
  teamId?: string[];
  /** Install locations: "*" stays within one path segment, "**" crosses them; "\" is read as "/". */
  path?: string[];
  /** The company's own instance of a vendor service (ScreenConnect instance id, TeamViewer/AnyDesk config id). */
  instance?: string[];
  reason?: string;
}

export interface Suppression {
  tool?: string; // catalog tool id
  finding?: string; // finding id (16 hex)
  reason: string;
  /** As written in the policy. */
  expires: string;
  /** First instant (ms since epoch) at which the suppression no longer applies. */
  expiresAt: number;
}

export interface Policy {
  /** Where the policy came from, for messages ("/etc/ratwatch/policy.yaml"). */
  origin: string;
  allow: AllowRule[];
  severity: Partial<Record<Category, Severity>>;
  suppressions: Suppression[];
}

/** A policy that cannot be used; the message is one line naming the file and the field. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(oneLine(message, 2000));
    this.name = 'PolicyError';
  }
}

export { CATEGORIES, SEVERITIES } from '../vocabulary.ts';

export function emptyPolicy(origin = 'built-in default'): Policy {
  return { origin, allow: [], severity: {}, suppressions: [] };
}
