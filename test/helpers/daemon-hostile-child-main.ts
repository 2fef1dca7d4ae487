// Child process for test/e2e/agent/daemon/child-log.test.ts: the real daemon loop (runDaemon, its default
// log) runs one cycle whose scan child is a stand-in (argv[3], a Node script) instead of ratwatch itself,
// so the test controls what the child writes to stderr. Stops after that one cycle.
import { runDaemon } from '../../agent/daemon/daemon.ts';
import { scanInChild } from '../../agent/daemon/child-scan.ts';
import { loadConfig } from '../../agent/config/load.ts';

const [spoolDir, script] = process.argv.slice(2);
const config = loadConfig({ flags: { spoolDir, jitterSeconds: 0 } });
const stop = new AbortController();
await runDaemon(
  config,
  () => scanInChild(undefined, { self: { cmd: process.execPath, args: ['-e', script] } }).finally(() => stop.abort()),
  { signal: stop.signal },
);
