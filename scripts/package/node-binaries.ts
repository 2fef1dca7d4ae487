import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hostId } from './config.ts';

// Official Node builds come from the npm registry packages node-<os>-<arch> (bin/node, or bin/node.exe on
// Windows) because nodejs.org downloads are out of reach on build machines that only see the registry.
// `npm pack` checks the tarball against the registry's integrity hash before writing it.

function npm(args: string[], cwd: string): string {
  // npm_execpath is set under `npm run`; calling npm-cli.js through node avoids spawning npm.cmd on Windows
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli?.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
  return execFileSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The line of npm's error output that says what went wrong, e.g. "request to https://registry.npmjs.org/...
 * failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org", rather than its last line, which only points
 * at a debug log.
 */
export function npmFailure(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  const lines = String(err.stderr ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim());
  const errors = lines.filter((l) => /^npm (error|ERR!)\s+\S/.test(l));
  const why = errors.find((l) => !/^npm (error|ERR!)\s+(code|errno|syscall|A complete log)\b/.test(l));
  const line = why ?? errors[0] ?? String(err.message ?? e).split('\n')[0];
  return line.replace(/^npm (error|ERR!)\s+/, '').slice(0, 300);
}

/** Path of the node executable of `version` for `<os>-<arch>`, downloaded once into cacheDir. */
export function nodeBinary(cacheDir: string, id: string, version: string): string {
  const exeName = id.startsWith('win-') ? 'node.exe' : 'node';
  const dir = path.join(cacheDir, 'node', `${id}-${version}`);
  const exe = path.join(dir, exeName);
  if (existsSync(exe)) return exe;
  const tgzDir = path.join(cacheDir, 'npm');
  mkdirSync(tgzDir, { recursive: true });
  const spec = `node-${id}@${version}`;
  const tgz = path.join(tgzDir, `node-${id}-${version}.tgz`);
  if (!existsSync(tgz)) {
    process.stderr.write(`fetching ${spec} from the npm registry\n`);
    try {
      // --loglevel=error, not --silent: --silent also drops the error itself, leaving nothing to report
      npm(['pack', spec, '--pack-destination', tgzDir, '--loglevel=error'], tgzDir);
    } catch (e) {
      throw new Error(`npm pack ${spec} failed: ${npmFailure(e)}`);
    }
    if (!existsSync(tgz)) throw new Error(`npm pack ${spec} did not write ${tgz}`);
  }
  // extract into a scratch dir and rename, so an interrupted run never leaves a half-written binary in the cache
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', scratch, `package/bin/${exeName}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  mkdirSync(dir, { recursive: true });
  renameSync(path.join(scratch, 'package', 'bin', exeName), exe);
  rmSync(scratch, { recursive: true, force: true });
  // the binary is all we use; the ~50 MB tarball would only double the cache
  rmSync(tgz, { force: true });
  return exe;
}

/**
 * A node of exactly `version` that runs on this machine, to write the SEA blob: Node's docs require the
 * blob to come from the same Node version as the executable it is injected into.
 */
export function generatorNode(cacheDir: string, version: string): string {
  if (process.version === `v${version}`) return process.execPath;
  return nodeBinary(cacheDir, hostId(), version);
}
