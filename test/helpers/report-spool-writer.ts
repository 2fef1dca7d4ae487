// Child process for report-kill.test.ts: makes reports in a loop the way the daemon does (lock, spool
// file, state.json) until it is killed. Big reports make a kill during a write likely.
import { Reporter } from '../../agent/delivery/reporter.ts';
import { finding, reportConfig, scanResult } from './report-helpers.ts';

const dir = process.argv[2];
const rounds = Number(process.argv[3] ?? 200);
const config = reportConfig(dir, { spoolMaxFiles: '100000', spoolMaxBytes: String(16 * 1024 ** 3) });
const reporter = new Reporter(config, { log: (l) => process.stderr.write(`${l}\n`) });
const pad = 'x'.repeat(400);

for (let i = 0; i < rounds; i++) {
  // A different set of findings every cycle, so every report is a big delta or full.
  const findings = Array.from({ length: 400 }, (_, k) =>
    finding(`tool${k}:${i}`, {
      evidence: [{ type: 'process', strength: 'strong', pid: k + 1, name: `t${k}`, exe: `/opt/t${k}/${pad}`, matchedBy: 'name' }],
    }),
  );
  const q = await reporter.enqueue(scanResult(findings));
  process.stdout.write(`wrote ${q.sequence}\n`);
}
