import { readFileSync, statSync } from 'node:fs';
import { parsePolicy } from './parse.ts';
import { PolicyError, type Policy } from './types.ts';

// Loading the agent's own configuration, not inspecting the host, so this reads the file directly
// rather than through a collector Runner.

const MAX_POLICY_BYTES = 1024 * 1024;

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_POLICY_BYTES) throw new PolicyError(`policy ${path}: larger than ${MAX_POLICY_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof PolicyError) throw e;
    const code = (e as NodeJS.ErrnoException)?.code ?? 'EIO';
    throw new PolicyError(`policy ${path}: cannot read (${code})`);
  }
  return parsePolicy(text.replace(/^\uFEFF/, ''), path);
}
