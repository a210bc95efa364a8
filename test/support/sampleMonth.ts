/**
 * The sample month (July 2026) as other months: its daily usage file cut after a day (a month still open, to be
 * forecast) or kept to July's own days (a whole month, whose mid-month forecast is checked), each with the sample
 * rules pointed at it and budgets that the tests choose. Rows are kept or dropped whole, as Partner Center writes them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** ChargeStartDate, ChargeEndDate and UsageDate of a July row: the three date columns stand side by side. */
const JULY_ROW = /,07\/01\/2026,07\/31\/2026,(\d\d)\/(\d\d)\/2026,/;

/**
 * Writes `<dir>/<name>/DailyRatedUsage_2026-07.csv` with the sample's July rows of days 1 to `lastDay`, and
 * `<dir>/<name>.chargeback.yaml`: the sample rules on that file, with `budgets` (target id -> the `budget:` map as
 * YAML flow text) in place of the sample's. Returns the rules file's path.
 */
export function writeSampleMonth(
  samples: string,
  dir: string,
  name: string,
  lastDay: number,
  budgets: Record<string, string>,
): string {
  const daily = readFileSync(join(samples, 'billing', '2026-07', 'DailyRatedUsage_2026-07.csv'), 'utf8');
  const [header, ...rows] = daily.split(/(?<=\n)/);
  const kept = rows.filter((r) => {
    const m = JULY_ROW.exec(r);
    return !!m && m[1] === '07' && Number(m[2]) <= lastDay;
  });
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'DailyRatedUsage_2026-07.csv'), header + kept.join(''));
  let rules = readFileSync(join(samples, 'contoso.chargeback.yaml'), 'utf8')
    .replace(/^ {2}- \.\/billing\/2026-07\/\*\.csv.*$/m, `  - ./${name}/*.csv`)
    .replace(/, budget: \{[^}]*\}/g, '');
  for (const [target, budget] of Object.entries(budgets))
    rules = rules.replace(new RegExp(`^( {2}${target}: +\\{.*)( \\})$`, 'm'), `$1, budget: ${budget}$2`);
  const path = join(dir, `${name}.chargeback.yaml`);
  writeFileSync(path, rules);
  return path;
}
