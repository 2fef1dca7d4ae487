// Start-up time, scan wall time and peak memory of the ratwatch CLI, run from source (tsx) and as the
// packaged single executable when dist/ has one for this machine. Prints figures only; nothing passes or fails.
// Usage: tsx scripts/bench.ts [--runs N] [--scans N]
//
// Peak RSS comes from GNU time's %M: the kernel's ru_maxrss of the child, exact and free of sampling gaps.
// Without GNU time it falls back to polling VmHWM in /proc/<pid>/status (the kernel's own high-water
// mark, so a poll only has to land before exit; the last one read is a lower bound). The source run uses
// `node --import tsx` rather than the tsx launcher so the measured process is the one running the scan.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostTarget, loadPackageConfig } from './package/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPLAY = path.join(ROOT, 'test/fixtures/inventories/macos-anydesk.json');
const GNU_TIME = '/usr/bin/time';
const RUN_TIMEOUT_MS = 300_000;

interface Subject {
  label: string;
  cmd: string;
  args: string[];
}

interface Sample {
  ms: number;
  rssKiB?: number;
  code: number | null;
}

function hasGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.includes('GNU');
}

function runTimed(s: Subject, args: string[], gnuTime: boolean): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const marker = '__RATWATCH_BENCH__';
    const [cmd, argv] = gnuTime
      ? [GNU_TIME, ['-f', `${marker} %M`, s.cmd, ...s.args, ...args]]
      : [s.cmd, [...s.args, ...args]];
    const start = performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let hwm = 0;
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 1_000_000) stderr += c.toString();
    });
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            // the process has exited between two polls
          }
        }, 10);
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const m = new RegExp(`${marker} (\\d+)`).exec(stderr);
      resolve({ ms, code, rssKiB: m ? Number(m[1]) : hwm || undefined });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmt(samples: Sample[], withRss: boolean): string {
  const ms = samples.map((x) => x.ms);
  const codes = [...new Set(samples.map((x) => x.code))].join('/');
  let line = `median ${median(ms).toFixed(0).padStart(6)} ms  (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}, n=${samples.length}, exit ${codes})`;
  const rss = samples.map((x) => x.rssKiB).filter((x): x is number => x !== undefined);
  if (withRss && rss.length) line += `  peak RSS median ${(median(rss) / 1024).toFixed(1)} MiB (max ${(Math.max(...rss) / 1024).toFixed(1)})`;
  return line;
}

function parseArgs(argv: string[]): { runs: number; scans: number } {
  const o = { runs: 10, scans: 3 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = Number(argv[++i]);
    if ((k !== '--runs' && k !== '--scans') || !Number.isInteger(v) || v < 1 || v > 1000) {
      throw new Error(`usage: bench.ts [--runs 1-1000] [--scans 1-1000] (got ${k} ${argv[i]})`);
    }
    o[k === '--runs' ? 'runs' : 'scans'] = v;
  }
  return o;
}

async function main(): Promise<void> {
  const { runs, scans } = parseArgs(process.argv.slice(2));
  const gnuTime = hasGnuTime();
  const subjects: Subject[] = [
    { label: `tsx CLI (node ${process.version})`, cmd: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'agent/main.ts')] },
  ];
  const host = hostTarget(loadPackageConfig(ROOT));
  if (host && existsSync(host.output)) {
    subjects.push({ label: `${path.relative(ROOT, host.output)} (node ${host.nodeVersion})`, cmd: host.output, args: [] });
  } else {
    console.log(`no packaged executable for this machine in dist/ (npm run package -- --target ${host?.id ?? '?'}); timing the tsx CLI only`);
  }
  console.log(`peak RSS via ${gnuTime ? 'GNU time %M (ru_maxrss)' : '/proc/<pid>/status VmHWM polling every 10 ms'}; ${runs} start-ups, ${scans} scans each\n`);
  for (const s of subjects) {
    console.log(s.label);
    const starts: Sample[] = [];
    for (let i = 0; i < runs; i++) starts.push(await runTimed(s, ['--version'], gnuTime));
    console.log(`  start (--version)      ${fmt(starts, true)}`);
    const live: Sample[] = [];
    for (let i = 0; i < scans; i++) live.push(await runTimed(s, ['scan', '--json'], gnuTime));
    console.log(`  scan this machine      ${fmt(live, true)}`);
    const replay: Sample[] = [];
    for (let i = 0; i < scans; i++) replay.push(await runTimed(s, ['scan', '--json', '--inventory', REPLAY], gnuTime));
    console.log(`  replay saved inventory ${fmt(replay, true)}\n`);
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
