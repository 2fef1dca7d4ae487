import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The engine and the replayed collectors, measured inside the Node the executable embeds: the bench
// bundles scripts/bench/inproc-main.ts the way scripts/package/bundle.ts bundles the agent and runs it
// with that node binary. With `agentRoot`, the agent's own files come from another checkout (an earlier
// version, for a before/after table) while the measuring code stays this one.

export interface InprocFigures {
  engine5k: number; // ms
  engine10k: number;
  collect: Record<string, number>; // replay name -> ms
}

export async function bundleInproc(root: string, outFile: string, agentRoot = root): Promise<void> {
  const here = path.join(root, 'scripts/bench');
  await build({
    entryPoints: [path.join(here, 'inproc-main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    nodePaths: [path.join(root, 'node_modules')],
    plugins: [
      {
        name: 'agent-from',
        setup(b) {
          if (agentRoot === root) return;
          b.onResolve({ filter: /^\.\.\/\.\.\/agent\// }, (args) =>
            args.importer.startsWith(here) ? { path: path.join(agentRoot, args.path.slice('../../'.length)) } : undefined,
          );
        },
      },
    ],
  });
}

export function runInproc(node: string, bundle: string, root: string, runs: number): InprocFigures {
  const r = spawnSync(node, [bundle, root, String(runs)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as InprocFigures;
  } catch {
    throw new Error(`${bundle}: no figures (${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ') || r.error?.message})`);
  }
}
