// Regenerates the expected findings of the golden inventories (npm run golden). Review the diff: a
// change there is a change in what ratwatch reports for a real laptop.
import { writeFileSync } from 'node:fs';
import { goldenCases, goldenFindings } from '../test/golden/golden.ts';

for (const c of goldenCases()) {
  writeFileSync(c.expected, JSON.stringify(goldenFindings(c.inventory), null, 2) + '\n');
  process.stdout.write(`wrote ${c.expected}\n`);
}
