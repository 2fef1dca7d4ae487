import path from 'node:path';
import { loadCatalog } from '../../agent/catalog/load.ts';
import { collectInventory } from '../../agent/collect.ts';
import { darwinPlatform } from '../../agent/collectors/macos/index.ts';
import { windowsPlatform } from '../../agent/collectors/windows/index.ts';
import type { Platform } from '../../agent/collectors/types.ts';
import { detect } from '../../agent/engine/detect.ts';
import { loadReplayDir } from '../../test/helpers/replay-runner.ts';
import { syntheticInventory } from './engine.ts';

// Runs inside the embedded Node (scripts/bench/inproc.ts bundles it), so the engine and the collectors
// meet the V8 the executable ships. Prints one JSON line of CPU milliseconds (process.cpuUsage), medians.
// argv: <repository root> <runs>

const [root, runsArg] = process.argv.slice(2);
const runs = Math.max(5, Number(runsArg) || 10);

function cpuMs(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

async function cpuMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The replayed laptops of test/fixtures: the collectors parse real captured command output
const REPLAYS: { name: string; platform: Platform; dir: string }[] = [
  { name: 'windows-anydesk', platform: windowsPlatform, dir: 'test/fixtures/windows/laptop-anydesk' },
  { name: 'windows-clean', platform: windowsPlatform, dir: 'test/fixtures/windows/laptop-clean' },
  { name: 'macos-anydesk', platform: darwinPlatform, dir: 'test/fixtures/macos/remote-tools' },
  { name: 'macos-clean', platform: darwinPlatform, dir: 'test/fixtures/macos/corporate-clean' },
];

async function main(): Promise<void> {
  const catalog = loadCatalog();
  const small = syntheticInventory(5000);
  const big = syntheticInventory(10000);
  detect(small, catalog); // index built, code warm
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(cpuMs(() => detect(small, catalog)));
    b.push(cpuMs(() => detect(big, catalog)));
  }
  const collect: Record<string, number> = {};
  for (const r of REPLAYS) {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      // a fresh runner each time: loading the captures is file reading the real scan does not do, so it is outside the count
      const runner = loadReplayDir(path.join(root, r.dir));
      xs.push(await cpuMsAsync(() => collectInventory(r.platform, { runner, hints: { executableNames: [] }, allowProbes: false })));
    }
    collect[r.name] = median(xs);
  }
  process.stdout.write(`${JSON.stringify({ engine5k: median(a), engine10k: median(b), collect })}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench in-process: ${(e as Error).message}\n`);
  process.exit(1);
});
