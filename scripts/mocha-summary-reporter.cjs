// Mocha's spec output for people, plus the run's counts as JSON for scripts/test.mjs:
//   mocha --reporter scripts/mocha-summary-reporter.cjs --reporter-option output=FILE ...
// FILE gets { passed, failed, skipped } when the run ends (written to a temporary name, then renamed).
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options = {}) {
    super(runner, options);
    const output = (options.reporterOption ?? options.reporterOptions ?? {}).output;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!output) return;
      const { passes, failures, pending } = runner.stats;
      fs.writeFileSync(`${output}.tmp`, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
      fs.renameSync(`${output}.tmp`, output);
    });
  }
}

module.exports = SummaryReporter;
