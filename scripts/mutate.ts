// npm run mutate [-- file.ts ...]: the mutation score of the code that decides what is reported and
// delivered (issue 17), one Stryker run per file so that each file keeps its own incremental result (a run
// over a subset overwrites the incremental file with that subset only) and a file can be redone alone.
// Prints the table: file, score, survived, no coverage, run time. Not part of CI: it takes many minutes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'reports', 'mutation');
const STRYKER = join(ROOT, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const base = JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8')) as Record<string, unknown> & { mutate: string[] };

// The unit tests that exercise each file: a mutant is run only against these (tests that load the whole
// catalog or start servers for other files would cost seconds per mutant and kill nothing more)
const POLICY = ['test/unit/agent/policy/*.test.ts'];
const ENGINE = ['test/unit/agent/engine/*.test.ts'];
// detect() indexes the catalog it is given on every call: the tests on the whole catalog cost seconds per
// mutant, so detect's mutants run against the tests on small built catalogs, which pin each rule
const DETECT = ['test/unit/agent/engine/detect*.test.ts', 'test/unit/agent/engine/signals.test.ts'];
const FARM = ['test/unit/server/farm/*.test.ts'];
const NOTIFY = ['test/unit/server/notify/*.test.ts'];
const TESTS: Record<string, string[]> = {
  'agent/policy/match.ts': POLICY,
  'agent/policy/apply.ts': POLICY,
  'agent/policy/glob.ts': POLICY,
  'agent/report/plan.ts': ['test/unit/agent/report/*.test.ts'],
  'agent/spool/spool.ts': ['test/unit/agent/spool/*.test.ts', 'test/e2e/agent/runner-spool-hardening.test.ts'],
  'agent/engine/signals.ts': ENGINE,
  'agent/engine/detect.ts': DETECT,
  'server/farm/evaluate.ts': FARM,
  'server/farm/net.ts': FARM,
  'server/farm/region.ts': FARM,
  'server/farm/regions-csv.ts': FARM,
  'server/ingest/receive.ts': ['test/unit/server/ingest/*.test.ts'],
  'server/notify/render.ts': NOTIFY,
  'server/notify/retry.ts': NOTIFY,
  'agent/delivery/reporter.ts': ['test/unit/agent/delivery/*.test.ts', 'test/unit/agent/spool/lock-edges.test.ts'],
};

const wanted = process.argv.slice(2);
for (const f of wanted) if (!base.mutate.includes(f)) throw new Error(`${f} is not in stryker.config.json "mutate"`);
const files = wanted.length ? wanted : base.mutate;

interface Row {
  file: string;
  score: string;
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  total: number;
  seconds: number;
}

// Mutant states as in the mutation-testing-report-schema; the score counts timeouts as detected, like Stryker
function row(file: string, reportFile: string, seconds: number): Row {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { files: Record<string, { mutants: { status: string }[] }> };
  const mutants = Object.values(report.files).flatMap((f) => f.mutants);
  const n = (s: string) => mutants.filter((m) => m.status === s).length;
  const killed = n('Killed');
  const timeout = n('Timeout');
  const survived = n('Survived');
  const noCoverage = n('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  const score = valid ? `${((100 * (killed + timeout)) / valid).toFixed(1)}%` : 'n/a';
  return { file, score, killed, survived, noCoverage, timeout, total: mutants.length, seconds };
}

for (const file of files) {
  const name = file.replace(/[/\\.]/g, '_');
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'stryker.config.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        ...base,
        $schema: undefined,
        mutate: [file],
        tempDirName: join('.tmp', `stryker-${name}`), // one sandbox folder per file, so two files can run at once
        incrementalFile: join('reports', 'mutation', name, 'incremental.json'),
        htmlReporter: { fileName: join('reports', 'mutation', name, 'index.html') },
        jsonReporter: { fileName: join('reports', 'mutation', name, 'mutation.json') },
        reporters: ['clear-text', 'html', 'json', 'progress'],
      },
      null,
      2,
    ),
  );
  const t = Date.now();
  process.stdout.write(`\n== ${file}\n`);
  const tests = TESTS[file];
  const env = tests ? { ...process.env, RATWATCH_MUTATE_TESTS: tests.join(',') } : process.env;
  const r = spawnSync(process.execPath, [STRYKER, 'run', config], { cwd: ROOT, stdio: 'inherit', env });
  const seconds = Math.round((Date.now() - t) / 1000);
  const json = join(dir, 'mutation.json');
  if (r.status !== 0 || !existsSync(json)) {
    process.stdout.write(`stryker failed on ${file} (exit ${r.status ?? r.signal})\n`);
    process.exitCode = 1;
    continue;
  }
  writeFileSync(join(dir, 'run-time.json'), JSON.stringify({ seconds }));
}

// The table covers every listed file measured so far, so a file redone alone keeps the others' numbers
const rows: Row[] = [];
const missing: string[] = [];
for (const file of base.mutate) {
  const dir = join(OUT, file.replace(/[/\\.]/g, '_'));
  const json = join(dir, 'mutation.json');
  if (!existsSync(json)) missing.push(file);
  else rows.push(row(file, json, (JSON.parse(readFileSync(join(dir, 'run-time.json'), 'utf8')) as { seconds: number }).seconds));
}

const lines = ['| file | score | killed | survived | no coverage | timeout | mutants | run time |', '|---|---|---|---|---|---|---|---|'];
for (const r of rows)
  lines.push(`| ${r.file} | ${r.score} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${r.timeout} | ${r.total} | ${r.seconds} s |`);
const sum = (k: 'killed' | 'survived' | 'noCoverage' | 'timeout' | 'total' | 'seconds') => rows.reduce((a, r) => a + r[k], 0);
const detected = sum('killed') + sum('timeout');
const valid = detected + sum('survived') + sum('noCoverage');
lines.push(
  `| all | ${valid ? ((100 * detected) / valid).toFixed(1) : 'n/a'}% | ${sum('killed')} | ${sum('survived')} | ${sum('noCoverage')} | ${sum('timeout')} | ${sum('total')} | ${sum('seconds')} s |`,
);
if (missing.length) lines.push('', `not measured yet: ${missing.join(', ')}`);
const table = lines.join('\n') + '\n';
writeFileSync(join(OUT, 'table.md'), table);
process.stdout.write(`\n${table}`);
