// Render time of the console's Overview and Hosts pages for a simulated fleet of 10,000 hosts, through the
// real handler on a real HTTP server on 127.0.0.1, signed in. Prints figures only; nothing passes or fails.
// The data comes from the in-memory ConsoleData of the tests, so "data" is that stand-in's cost, not the
// real store's; "render" (the page functions alone) is what the console itself costs.
// Usage: tsx scripts/bench-console.ts [--hosts N] [--runs N]
import { performance } from 'node:perf_hooks';
import { hostsPage, PAGE_SIZE, parseHostQuery } from '../server/console/pages/hosts.ts';
import { overviewPage } from '../server/console/pages/overview.ts';
import { ConsoleClient } from '../test/helpers/console-client.ts';
import { simulateFleet } from '../test/helpers/console-fleet.ts';
import { MemoryConsoleData } from '../test/helpers/console-memory.ts';
import { ADMIN, startConsole } from '../test/helpers/console-server.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isInteger(v) && v > 0 && v <= 1_000_000 ? v : dflt;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
}

async function time(runs: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const hosts = arg('--hosts', 10_000);
const runs = arg('--runs', 20);
const fleet = simulateFleet(hosts - 12);
const data = new MemoryConsoleData(fleet);
const c = await startConsole({ data });
try {
  const client = new ConsoleClient(c.url);
  await client.login(ADMIN.username, ADMIN.password);
  const ctx = { user: { name: 'alice', role: 'admin' as const }, csrf: 'x', base: '', now: fleet.now };
  const o = await data.overview();
  const hq = parseHostQuery(new URLSearchParams(), fleet.now);
  const list = await data.listHosts(hq.filter, hq.sort, { offset: 0, limit: PAGE_SIZE });
  const facets = await data.hostFacets();
  console.log(`console bench: ${fleet.hosts.length} hosts, ${runs} runs each (Node ${process.version})`);
  console.log(`  Overview render only:            ${stats(await time(runs, () => overviewPage(ctx, o, undefined)))}`);
  console.log(`  Hosts page render only:          ${stats(await time(runs, () => hostsPage(ctx, hq, list, facets)))}`);
  console.log(`  GET / over HTTP (memory data):   ${stats(await time(runs, () => client.text('/')))}`);
  console.log(`  GET /hosts over HTTP:            ${stats(await time(runs, () => client.text('/hosts')))}`);
  console.log(`  GET /hosts?q=farm&sort=hostname: ${stats(await time(runs, () => client.text('/hosts?q=farm&sort=hostname')))}`);
} finally {
  await c.close();
}
