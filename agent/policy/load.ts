import { oneLine } from '../config/errors.ts';
import { readSafeFile } from '../config/safe-file.ts';
import { parsePolicy } from './parse.ts';
import { PolicyError, type Policy } from './types.ts';

// Loading the agent's own configuration, not inspecting the host, so this reads the file directly
// rather than through a collector Runner.

const MAX_POLICY_BYTES = 1024 * 1024;

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    // A policy a user can write could turn AnyDesk into "allowed" for a root scan
    text = readSafeFile(path, { what: 'policy', maxBytes: MAX_POLICY_BYTES, trusted: true, noFollow: true }).toString('utf8');
  } catch (e) {
    throw new PolicyError(oneLine(e));
  }
  try {
    return parsePolicy(text.replace(/^\uFEFF/, ''), path);
  } catch (e) {
    // The YAML library's own refusals (an alias bomb's "Excessive alias count") are bad input too
    if (e instanceof PolicyError) throw e;
    throw new PolicyError(`policy ${path}: ${oneLine(e)}`);
  }
}
