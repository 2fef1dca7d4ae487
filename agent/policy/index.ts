export { applyPolicy } from './apply.ts';
export { loadPolicy } from './load.ts';
export { parsePolicy } from './parse.ts';
export { emptyPolicy, PolicyError, type AllowRule, type Policy, type Suppression } from './types.ts';
export { policyWarnings } from './check.ts';
