// What a scan costs the laptop, for the packaged executable next to the least the same work could cost,
// measured in one run so the ratios hold on a busy machine. Prints figures only; nothing passes or fails.
// Usage: tsx scripts/bench.ts [--runs N] [--extra N] [--cycles N] [--exe file] [--no-build]
//
// CPU is user+sys of the process and every child it waited for (GNU time %U %S: ps, ss, dpkg-query
// count), not wall time: on a shared machine wall time mostly measures the neighbours. Peak RSS is GNU
// time's %M (ru_maxrss). Each row is the median of --runs pairs, subject and baseline run back to back
// in alternating order. The daemon row reads /proc/<pid>/status and /proc/<pid>/stat of a live daemon.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineRows } from './bench/engine.ts';
import { hostTarget, loadPackageConfig } from './package/config.ts';
import { isStale } from './package/stale.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GNU_TIME = '/usr/bin/time';
const RUN_TIMEOUT_MS = 300_000;
const INVENTORIES = path.join(ROOT, 'test/fixtures/inventories');
// The raw OS work a Linux scan needs, as one shell script: what the issue compares against
const RAW_SCRIPT = 'ps -eo pid,ppid,uid,comm,args >/dev/null; dpkg-query -W >/dev/null; ss -tlnp >/dev/null';

interface Sample {
  cpu: number; // seconds, user+sys with children
  rssMiB: number;
  code: number | null;
}

interface Options {
  runs: number;
  extra: number;
  cycles: number;
  exe?: string;
  build: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function timed(cmd: string, args: string[]): Sample {
  const r = spawnSync(GNU_TIME, ['-f', '__RW__ %U %S %M', cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const m = /__RW__ ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`${cmd} ${args.join(' ')}: no timing (${(r.stderr ?? '').split('\n').slice(-3).join(' ').trim() || r.error?.message})`);
  // GNU time says "Command exited with non-zero status N" for a non-zero exit; scan exits 1 on findings
  return { cpu: Number(m[1]) + Number(m[2]), rssMiB: Number(m[3]) / 1024, code: r.status };
}

/** Medians of `runs` interleaved pairs (a then b, b then a, ...). */
function paired(runs: number, a: () => Sample, b: () => Sample): { a: Sample; b: Sample; ratio: number } {
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      bs.push(b());
      as.push(a());
    } else {
      as.push(a());
      bs.push(b());
    }
  }
  const med = (xs: Sample[]): Sample => ({ cpu: median(xs.map((x) => x.cpu)), rssMiB: median(xs.map((x) => x.rssMiB)), code: xs[0].code });
  // the ratio of medians of per-pair ratios: each pair saw the same neighbours
  const ratio = median(as.map((x, i) => x.cpu / Math.max(bs[i].cpu, 0.005)));
  return { a: med(as), b: med(bs), ratio };
}

const s = (x: number) => `${x.toFixed(2)} s`;
const mib = (x: number) => `${x.toFixed(0)} MiB`;

function row(name: string, value: string, baseline: string, ratio: string, goal: string): void {
  console.log(`${name.padEnd(44)} ${value.padStart(18)} ${baseline.padStart(26)} ${ratio.padStart(8)}   ${goal}`);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 10, extra: 2000, cycles: 3, build: true };
  const usage = 'usage: bench.ts [--runs 1-1000] [--extra 0-5000] [--cycles 1-100] [--exe file] [--no-build]';
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--no-build') {
      o.build = false;
      continue;
    }
    if (k === '--exe') {
      o.exe = path.resolve(argv[++i] ?? '');
      continue;
    }
    const v = Number(argv[++i]);
    const range: Record<string, [number, number]> = { '--runs': [1, 1000], '--extra': [0, 5000], '--cycles': [1, 100] };
    const r = range[k];
    if (!r || !Number.isInteger(v) || v < r[0] || v > r[1]) throw new Error(`${usage} (got ${k} ${argv[i]})`);
    o[k.slice(2) as 'runs' | 'extra' | 'cycles'] = v;
  }
  return o;
}

/** The packaged executable for this machine, built (linux-x64 or whatever this host is) when missing or stale. */
function executable(o: Options): { exe: string; node: string } {
  const cfg = loadPackageConfig(ROOT);
  const host = hostTarget(cfg);
  if (!host) throw new Error('pkg.config.json builds no executable for this machine');
  const node = path.join(cfg.cacheDir, 'node', `${host.id}-${host.nodeVersion}`, 'node');
  const exe = o.exe ?? host.output;
  if (!o.exe && o.build && (!existsSync(exe) || isStale(exe, ROOT))) {
    console.log(`building ${path.relative(ROOT, exe)} (npm run package -- --target ${host.id})`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/package.ts'), '--target', host.id], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('packaging failed');
  }
  if (!existsSync(exe)) throw new Error(`${exe} does not exist (npm run package -- --target ${host.id})`);
  if (!existsSync(node)) throw new Error(`${node} (the embedded Node, for the baseline) is not in the package cache; run npm run package once`);
  return { exe, node };
}

/** `count` idle processes (sleep), so the scan has that many more to look at; killed by the caller. */
function extraProcesses(count: number): ChildProcess[] {
  const kids: ChildProcess[] = [];
  for (let i = 0; i < count; i++) kids.push(spawn('/bin/sleep', ['3600'], { stdio: 'ignore' }));
  return kids;
}

function cpuOfPid(pid: number): number {
  // utime stime cutime cstime, fields 14-17, after the ")" that ends the command name
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs the daemon against a loopback endpoint with a per-second schedule; resident memory between cycles and CPU per cycle. */
async function daemonRow(exe: string, cycles: number): Promise<{ rss: number; cpuPerCycle: number; cycles: number } | undefined> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join(tmpdir(), 'rw-bench-daemon-'));
  const cfg = path.join(dir, 'config.yaml');
  // every 20 s: long enough for a scan to finish on a loaded machine and the daemon to settle between
  writeFileSync(cfg, `endpoint:\n  url: http://127.0.0.1:${port}/\n  tokenEnv: RW_BENCH_TOKEN\nschedule: "*/20 * * * * *"\njitterSeconds: 0\nspoolDir: ${path.join(dir, 'spool')}\n`);
  const child = spawn(exe, ['daemon', '--config', cfg], { env: { ...process.env, RW_BENCH_TOKEN: 'bench' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const lines = () => log.split('\n').filter((l) => /scan/.test(l) && !/started/.test(l)).length;
  const waitFor = async (n: number, ms: number) => {
    const until = Date.now() + ms;
    while (lines() < n && Date.now() < until && child.exitCode === null) await new Promise((ok) => setTimeout(ok, 200));
    return lines() >= n;
  };
  try {
    if (!(await waitFor(1, 120_000))) return undefined; // the start cycle
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < cycles; i++) {
      await new Promise((ok) => setTimeout(ok, 3000)); // between scans
      rss.push(rssOfPid(child.pid!));
      const before = cpuOfPid(child.pid!);
      if (!(await waitFor(lines() + 1, 60_000))) break;
      await new Promise((ok) => setTimeout(ok, 1000)); // children reaped, counted in cutime
      cpu.push(cpuOfPid(child.pid!) - before);
    }
    return cpu.length ? { rss: median(rss), cpuPerCycle: median(cpu), cycles: cpu.length } : undefined;
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => setTimeout(ok, 500));
    if (child.exitCode === null) child.kill('SIGKILL');
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time, Debian package "time") is needed to count children's CPU`);
  const { exe, node } = executable(o);
  const bare = () => timed(node, ['-e', '0']);
  const raw = () => {
    const n = bare();
    const r = timed('/bin/sh', ['-c', RAW_SCRIPT]);
    return { cpu: n.cpu + r.cpu, rssMiB: n.rssMiB, code: 0 };
  };
  console.log(`${path.relative(ROOT, exe) || exe}, ${o.runs} paired runs per row, CPU = user+sys incl. children (GNU time), medians\n`);
  row('', 'ratwatch', 'baseline', 'ratio', 'goal');
  const scanArgs = ['scan', '--json', '--no-probe'];
  const live = paired(o.runs, () => timed(exe, scanArgs), raw);
  row('live scan CPU (scan --json --no-probe)', s(live.a.cpu), `${s(live.b.cpu)} node start + raw`, `${live.ratio.toFixed(1)}x`, '<= 2.5x');
  row('peak RSS of a live scan', mib(live.a.rssMiB), `${mib(live.b.rssMiB)} bare node`, `${(live.a.rssMiB / live.b.rssMiB).toFixed(1)}x`, '<= 70 MiB');
  const ver = paired(o.runs, () => timed(exe, ['--version']), bare);
  row('--version CPU', s(ver.a.cpu), `${s(ver.b.cpu)} bare node`, `${ver.ratio.toFixed(2)}x`, '<= 1.3x');
  row('--version peak RSS', mib(ver.a.rssMiB), `${mib(ver.b.rssMiB)} bare node`, `${(ver.a.rssMiB / ver.b.rssMiB).toFixed(1)}x`, '<= 50 MiB');

  if (o.extra > 0) {
    const kids = extraProcesses(o.extra);
    try {
      await new Promise((ok) => setTimeout(ok, 1000));
      const more = paired(Math.max(1, Math.ceil(o.runs / 2)), () => timed(exe, scanArgs), raw);
      const perProc = ((more.a.cpu - more.b.cpu - (live.a.cpu - live.b.cpu)) / o.extra) * 1000;
      row(`${o.extra} extra processes`, s(more.a.cpu), `${s(more.b.cpu)} node start + raw`, `${more.ratio.toFixed(1)}x`, '');
      row('  ratwatch CPU per extra process', `${perProc.toFixed(3)} ms`, '', '', '<= 0.1 ms');
    } finally {
      for (const k of kids) k.kill('SIGKILL');
    }
  }

  const d = await daemonRow(exe, o.cycles);
  if (d) {
    const bareRss = ver.b.rssMiB;
    row('daemon resident between scans', mib(d.rss), `${mib(bareRss)} bare node`, `${(d.rss / bareRss).toFixed(1)}x`, '<= 55 MiB');
    row(`daemon CPU per cycle (${d.cycles} cycles)`, s(d.cpuPerCycle), `${s(live.a.cpu)} one scan`, `${(d.cpuPerCycle / live.a.cpu).toFixed(2)}x`, '= scan');
  } else {
    row('daemon', 'no cycle completed', '', '', '');
  }

  for (const r of engineRows(o.runs)) row(r.name, r.value, r.baseline, r.ratio, r.goal);

  const size = statSync(exe).size / 1e6;
  row('linux-x64 executable', `${size.toFixed(1)} MB`, `${(statSync(node).size / 1e6).toFixed(1)} MB stock node`, '', '<= 90 MB');

  console.log('\nWindows and macOS, estimated from replays (scan --inventory: engine, policy and output, no collection)');
  for (const inv of ['windows-anydesk', 'windows-clean', 'macos-anydesk', 'macos-clean']) {
    const file = path.join(INVENTORIES, `${inv}.json`);
    const r = paired(o.runs, () => timed(exe, ['scan', '--json', '--inventory', file]), bare);
    row(`  ${inv} replay CPU / peak RSS`, `${s(r.a.cpu)} / ${mib(r.a.rssMiB)}`, `${s(r.b.cpu)} bare node`, `${r.ratio.toFixed(1)}x`, '');
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
