// Sums the vitest JSON reports of one test run into one closing line:
// "tests: N passed, N failed, N skipped" (the form CI reads), one line per suite before it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const suite = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
  console.log(
    `${file.replace(/\.json$/, '').padEnd(22)} ${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped`,
  );
  passed += suite.passed;
  failed += suite.failed;
  skipped += suite.skipped;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
