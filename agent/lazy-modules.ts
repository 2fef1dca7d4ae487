import type * as Yaml from 'yaml';
import type * as NodeCron from 'node-cron';

// yaml and node-cron load only when a run reads a YAML file or a cron expression: in the packaged agent
// a module that is imported statically initialises on every start (esbuild runs the import graph's
// top-level code up front), and theirs cost a scan ~10 ms that it does not need without a config file.
// A literal require() is what esbuild bundles and runs at its first call; from source (tsx, vitest)
// modules are ESM, which has no require, and createRequire loads the same packages. Both pick the
// packages' CommonJS builds ("require" condition), so a bundle holds one copy of each.

declare const require: NodeJS.Require | undefined;

// node:module is asked for here rather than imported: the bundle never needs it, and importing it would load
// it (and its source-map support) on every start
function fromSource(name: string): unknown {
  return process.getBuiltinModule('node:module').createRequire(import.meta.url)(name);
}

let yaml: typeof Yaml | undefined;
let cron: typeof NodeCron | undefined;

export function yamlModule(): typeof Yaml {
  yaml ??= (typeof require === 'function' ? require('yaml') : fromSource('yaml')) as typeof Yaml;
  return yaml;
}

export function cronModule(): typeof NodeCron {
  cron ??= (typeof require === 'function' ? require('node-cron') : fromSource('node-cron')) as typeof NodeCron;
  return cron;
}
