// Child process for test/e2e/agent/daemon/child-log.test.ts: the real daemon scheduler (runSchedule, its
// default log) runs one cycle through the real cycle worker (childCycleWorker), whose child is a stand-in
// (argv[3], a Node script) instead of ratwatch itself, so the test controls what the child writes to
// stderr. Stops after that one cycle.
import { loadConfig } from '../../agent/config/load.ts';
import { childCycleWorker } from '../../agent/daemon/child-cycle.ts';
import { runSchedule } from '../../agent/daemon/schedule.ts';
import { stderrLine } from '../../agent/log-line.ts';

const [spoolDir, script] = process.argv.slice(2);
const config = loadConfig({ flags: { spoolDir, jitterSeconds: 0 } });
const stop = new AbortController();
const worker = childCycleWorker(config, {}, stderrLine, { cmd: process.execPath, args: ['-e', script] });
await runSchedule(
  config,
  { ...worker, cycle: (signal) => worker.cycle(signal).finally(() => stop.abort()), retryAt: async () => undefined },
  { signal: stop.signal },
);
