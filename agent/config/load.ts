import fs from 'node:fs';
import path from 'node:path';
import { cronModule, yamlModule } from '../lazy-modules.ts';
import { ConfigError, oneLine } from './errors.ts';
import { readSafeFile } from './safe-file.ts';
import { FIELDS, flagAttr, type Field } from './fields.ts';
import { endpointUrlProblem } from './loopback.ts';
import type { Config } from './types.ts';

export interface LoadConfigInput {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Flag values keyed by commander attribute (endpointUrl, spoolDir...); only flags the user typed. */
  flags?: Record<string, unknown>;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

interface Candidate {
  value: unknown;
  origin: string; // "config /etc/ratwatch.yaml", "env RATWATCH_X", "flag --x", "default"
  baseDir?: string | undefined; // relative paths in a config file are relative to that file
}

/** The config file to read: --config, else RATWATCH_CONFIG, else the platform default when it exists. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, fallback?: string): string | undefined {
  if (flag) return flag;
  if (env.RATWATCH_CONFIG) return env.RATWATCH_CONFIG;
  return fallback && fs.existsSync(fallback) ? fallback : undefined;
}

function readFileObject(file: string): Record<string, unknown> {
  const where = `config ${file}`;
  let text: string;
  try {
    text = readSafeFile(file, { what: 'config', maxBytes: MAX_CONFIG_BYTES, trusted: true, noFollow: true })
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } catch (e) {
    throw new ConfigError(oneLine(e));
  }
  let doc: unknown;
  try {
    // logLevel error: an unknown tag must be a refusal or nothing, never a Node warning echoing the file's bytes
    doc = /\.json$/i.test(file)
      ? JSON.parse(text)
      : yamlModule().parse(text, { prettyErrors: false, logLevel: 'error', maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${where}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${oneLine(e, 160)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${where}: top level must be a mapping of settings`);
  return doc as Record<string, unknown>;
}

/** Flattens {endpoint: {url}} to {"endpoint.url"}, refusing keys no field knows (typos must not pass silently). */
function flatten(obj: Record<string, unknown>, where: string): Map<string, unknown> {
  const known = new Set(FIELDS.map((f) => f.key));
  const groups = new Set(FIELDS.filter((f) => f.key.includes('.')).map((f) => f.key.split('.')[0]));
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    if (groups.has(k)) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where}: ${k} must be a mapping`);
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        const key = `${k}.${k2}`;
        if (!known.has(key)) throw new ConfigError(`${where}: unknown key ${key}`);
        if (v2 !== null && v2 !== undefined) out.set(key, v2);
      }
    } else if (known.has(k)) {
      if (v !== null && v !== undefined) out.set(k, v);
    } else {
      throw new ConfigError(`${where}: unknown key ${k}`);
    }
  }
  return out;
}

function coerce(field: Field, c: Candidate): unknown {
  const bad = (what: string) => new ConfigError(`${c.origin}: ${field.key} must be ${what}`);
  const t = field.type;
  const v = c.value;
  switch (t.kind) {
    case 'bool': {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw bad('true or false');
    }
    case 'int':
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
      const kindOk = t.kind === 'int' ? Number.isInteger(n) : Number.isFinite(n);
      if (!kindOk || n < t.min || n > t.max) throw bad(`${t.kind === 'int' ? 'an integer' : 'a number'} from ${t.min} to ${t.max}`);
      return n;
    }
    case 'enum':
      if (typeof v !== 'string' || !t.values.includes(v)) throw bad(`one of ${t.values.join(', ')}`);
      return v;
    case 'cron':
      // the default is ours and checked by a test; node-cron loads only for an expression someone wrote
      if (c.origin === 'default' && typeof v === 'string') return v;
      if (typeof v !== 'string' || !cronModule().validate(v)) throw bad('a cron expression (e.g. "0 * * * *")');
      return v;
    case 'path': {
      if (typeof v !== 'string' || v.trim() === '' || v.includes('\0')) throw bad('a file path');
      return c.baseDir && !path.isAbsolute(v) ? path.resolve(c.baseDir, v) : v;
    }
    case 'map':
      return coerceMap(t, v, bad);
    case 'string':
      if (typeof v !== 'string' || v === '') throw bad('a non-empty string');
      if (t.pattern && !t.pattern.test(v)) throw bad(t.hint ?? `like ${t.pattern}`);
      return v;
  }
}

/** A name -> text mapping: a YAML/JSON object in a file, "a=1,b=2" in a variable or flag. */
function coerceMap(t: Extract<Field['type'], { kind: 'map' }>, v: unknown, bad: (what: string) => ConfigError): Record<string, string> {
  let entries: Array<[string, unknown]>;
  if (typeof v === 'string') {
    entries = v
      .split(',')
      .filter((p) => p.trim() !== '')
      .map((p) => {
        const eq = p.indexOf('=');
        if (eq < 1) throw bad('name=value pairs separated by commas');
        return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
      });
  } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    entries = Object.entries(v);
  } else {
    throw bad('a mapping of names to values');
  }
  if (entries.length > t.maxEntries) throw bad(`at most ${t.maxEntries} entries`);
  const out: Record<string, string> = {};
  for (const [k, raw] of entries) {
    if (!t.keyPattern.test(k)) throw bad(`names of letters, digits and _ starting with a letter (not ${JSON.stringify(k.slice(0, 40))})`);
    if (t.reserved.includes(k.toLowerCase())) throw bad(`names other than ${k} (reserved)`);
    if (Object.hasOwn(out, k)) throw bad(`distinct names (${k} twice)`);
    const val = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
    if (typeof val !== 'string' || val === '' || val.length > t.maxValueLength || /[\x00-\x1f\x7f]/.test(val)) {
      throw bad(`values of 1 to ${t.maxValueLength} printable characters (${k})`);
    }
    out[k] = val;
  }
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, tail] = key.split('.', 2);
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  inner[tail] = value;
}

/**
 * Builds the reporting configuration from a YAML/JSON file, RATWATCH_* variables and flags
 * (flags > env > file > defaults). Throws ConfigError with one line naming the source and the key.
 */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const env = input.env ?? {};
  const flags = input.flags ?? {};
  const fileValues = input.file ? flatten(readFileObject(input.file), `config ${input.file}`) : new Map<string, unknown>();
  const fileDir = input.file ? path.dirname(path.resolve(input.file)) : undefined;

  const out: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const field of FIELDS) {
    const attr = flagAttr(field.flag);
    let c: Candidate | undefined;
    if (flags[attr] !== undefined) c = { value: flags[attr], origin: `flag --${field.flag}` };
    else if (env[field.env] !== undefined && env[field.env] !== '') c = { value: env[field.env], origin: `env ${field.env}` };
    else if (fileValues.has(field.key)) c = { value: fileValues.get(field.key), origin: `config ${input.file}`, baseDir: fileDir };
    else if (field.default !== undefined) c = { value: field.default, origin: 'default' };
    if (!c) continue;
    setPath(out, field.key, coerce(field, c));
    origins.set(field.key, c.origin);
  }
  const config = out as unknown as Config;
  config.file = input.file;

  const ep = config.endpoint;
  if (ep.url !== undefined) {
    const problem = endpointUrlProblem(ep.url, ep.allowInsecureHttp);
    if (problem) throw new ConfigError(`${origins.get('endpoint.url')}: endpoint.url ${problem}`);
  }
  if (ep.tokenFile && ep.tokenEnv) {
    throw new ConfigError(`${origins.get('endpoint.tokenEnv')}: set only one of endpoint.tokenFile and endpoint.tokenEnv`);
  }
  if (ep.enrollSecretFile) {
    if (ep.tokenEnv)
      throw new ConfigError(
        `${origins.get('endpoint.enrollSecretFile')}: endpoint.enrollSecretFile keeps the key it gets in a file; set endpoint.tokenFile (or nothing), not endpoint.tokenEnv`,
      );
    if (ep.format !== 'native')
      throw new ConfigError(
        `${origins.get('endpoint.enrollSecretFile')}: endpoint.enrollSecretFile is for ratwatch-server (endpoint.format native)`,
      );
    // the key `ratwatch enroll` or the first delivery writes, and every delivery reads
    ep.tokenFile ??= path.join(config.spoolDir, 'agent-key');
  }
  if (config.retryBaseSeconds > config.retryMaxSeconds) {
    throw new ConfigError(
      `${origins.get('retryBaseSeconds')}: retryBaseSeconds must not exceed retryMaxSeconds (${config.retryMaxSeconds})`,
    );
  }
  return config;
}

/** The reason this config cannot deliver reports, checked before a daemon or flush starts. */
export function requireEndpoint(config: Config): asserts config is Config & { endpoint: { url: string } } {
  if (!config.endpoint.url) {
    const where = config.file ? `config ${config.file}` : 'config';
    throw new ConfigError(`${where}: endpoint.url is required to send reports (or set RATWATCH_ENDPOINT_URL / --endpoint-url)`);
  }
}
