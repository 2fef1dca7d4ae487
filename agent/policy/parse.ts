import { yamlModule } from '../lazy-modules.ts';
import type { Category, Severity } from '../model.ts';
import { CATEGORIES, PolicyError, SEVERITIES, type AllowRule, type Policy, type Suppression } from './types.ts';

// Reads a policy written by people: YAML or JSON (JSON is YAML). Every mistake is reported as one line
// that names the file and the exact field, because a policy that silently allows nothing, or allows too
// much, is worse than one that refuses to load.

const TOP_KEYS = ['version', 'allow', 'severity', 'suppressions'];
const ALLOW_KEYS = ['tool', 'signer', 'teamId', 'path', 'instance', 'reason'];
const SUPPRESS_KEYS = ['tool', 'finding', 'reason', 'expires'];
const TOOL_ID = /^[a-z0-9][a-z0-9._-]*$/;
const FINDING_ID = /^[0-9a-f]{16}$/;
const TEAM_ID = /^[A-Z0-9]{10}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

class Checker {
  constructor(readonly origin: string) {}

  fail(msg: string): never {
    throw new PolicyError(`policy ${this.origin}: ${msg}`);
  }

  keys(o: Obj, allowed: string[], where: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(`${where}unknown key "${k}" (expected ${allowed.join(', ')})`);
    }
  }

  str(v: unknown, where: string, opt = false): string | undefined {
    if (v === undefined || v === null) {
      if (opt) return undefined;
      this.fail(`${where} must be a string`);
    }
    if (typeof v !== 'string') this.fail(`${where} must be a string`);
    const t = v.trim();
    if (!t) this.fail(`${where} must not be empty`);
    return t;
  }

  list(v: unknown, where: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    const arr = Array.isArray(v) ? v : [v];
    if (arr.length === 0) this.fail(`${where} must be a string or a list of strings`);
    return arr.map((x, i) => {
      if (typeof x !== 'string' || !x.trim()) this.fail(`${where}${Array.isArray(v) ? `[${i}]` : ''} must be a non-empty string`);
      return x.trim();
    });
  }

  toolId(v: unknown, where: string, opt = false): string | undefined {
    const s = this.str(v, where, opt);
    if (s === undefined) return undefined;
    const id = s.toLowerCase();
    if (!TOOL_ID.test(id)) this.fail(`${where} "${s}" is not a catalog tool id (lowercase letters, digits, "-")`);
    return id;
  }

  expires(v: unknown, where: string): { expires: string; expiresAt: number } {
    // An unquoted date may arrive as a Date when a YAML 1.1 document declares itself so
    if (v instanceof Date && !Number.isNaN(v.getTime())) return { expires: v.toISOString(), expiresAt: v.getTime() };
    if (typeof v !== 'string') this.fail(`${where} must be an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`);
    const s = v.trim();
    const d = DATE.exec(s);
    if (d) {
      const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
      const start = Date.UTC(y, m - 1, day);
      const back = new Date(start);
      if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) {
        this.fail(`${where} "${s}" is not a calendar date`);
      }
      // "expires: 2025-06-30" keeps the suppression through that whole day (UTC)
      return { expires: s, expiresAt: start + 24 * 3600 * 1000 };
    }
    if (TIMESTAMP.test(s)) {
      const t = Date.parse(s);
      if (!Number.isNaN(t)) return { expires: s, expiresAt: t };
    }
    this.fail(`${where} "${s}" must be an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`);
  }
}

function parseAllow(c: Checker, v: unknown, i: number): AllowRule {
  const where = `allow[${i}]`;
  if (!isObj(v)) c.fail(`${where} must be a mapping with at least "tool"`);
  c.keys(v, ALLOW_KEYS, `${where} has `);
  const rule: AllowRule = { tool: c.toolId(v.tool, `${where}.tool`)! };
  const signer = c.list(v.signer, `${where}.signer`);
  if (signer) rule.signer = signer;
  const teamId = c.list(v.teamId, `${where}.teamId`);
  if (teamId) {
    teamId.forEach((t, j) => {
      if (!TEAM_ID.test(t.toUpperCase())) c.fail(`${where}.teamId "${t}" is not an Apple Team ID (10 letters or digits)`);
      teamId[j] = t.toUpperCase();
    });
    rule.teamId = teamId;
  }
  const path = c.list(v.path, `${where}.path`);
  if (path) rule.path = path;
  const instance = c.list(v.instance, `${where}.instance`);
  if (instance) rule.instance = instance;
  const reason = c.str(v.reason, `${where}.reason`, true);
  if (reason) rule.reason = reason;
  return rule;
}

function parseSuppression(c: Checker, v: unknown, i: number): Suppression {
  const where = `suppressions[${i}]`;
  if (!isObj(v)) c.fail(`${where} must be a mapping with "tool" or "finding", "reason" and "expires"`);
  c.keys(v, SUPPRESS_KEYS, `${where} has `);
  const tool = c.toolId(v.tool, `${where}.tool`, true);
  const finding = c.str(v.finding, `${where}.finding`, true)?.toLowerCase();
  if (finding !== undefined && !FINDING_ID.test(finding)) c.fail(`${where}.finding "${finding}" is not a finding id (16 hex digits)`);
  if (!tool && !finding) c.fail(`${where} needs "tool" or "finding"`);
  const reason = c.str(v.reason, `${where}.reason`)!;
  if (v.expires === undefined || v.expires === null) c.fail(`${where}.expires is required (a permanent exception is an allow rule)`);
  const s: Suppression = { reason, ...c.expires(v.expires, `${where}.expires`) };
  if (tool) s.tool = tool;
  if (finding) s.finding = finding;
  return s;
}

function parseSeverity(c: Checker, v: unknown): Partial<Record<Category, Severity>> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) c.fail('severity must be a mapping of category to severity');
  const out: Partial<Record<Category, Severity>> = {};
  for (const [k, sev] of Object.entries(v)) {
    if (!CATEGORIES.includes(k as Category)) c.fail(`severity.${k} is not a category (${CATEGORIES.join(', ')})`);
    if (typeof sev !== 'string' || !SEVERITIES.includes(sev.trim().toLowerCase() as Severity)) {
      c.fail(`severity.${k} must be one of ${SEVERITIES.join(', ')}`);
    }
    out[k as Category] = sev.trim().toLowerCase() as Severity;
  }
  return out;
}

function seq(c: Checker, v: unknown, name: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) c.fail(`${name} must be a list`);
  return v;
}

/** Parses and validates a policy document; throws PolicyError with one line on any mistake. */
export function parsePolicy(text: string, origin: string): Policy {
  const c: Checker = new Checker(origin);
  const { LineCounter, parseDocument } = yamlModule();
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    c.fail(`not valid YAML or JSON at line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  }
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) return { origin, allow: [], severity: {}, suppressions: [] };
  if (!isObj(root)) c.fail('must be a mapping with allow, severity and suppressions');
  c.keys(root, TOP_KEYS, '');
  if (root.version !== undefined && root.version !== 1) c.fail('version must be 1');
  return {
    origin,
    allow: seq(c, root.allow, 'allow').map((v, i) => parseAllow(c, v, i)),
    severity: parseSeverity(c, root.severity),
    suppressions: seq(c, root.suppressions, 'suppressions').map((v, i) => parseSuppression(c, v, i)),
  };
}
