/**
 * A real-looking billed month of tens of thousands of rows, written to a temporary folder: the generated sample month
 * (which has every trait of a real billed export) repeated for more customers, each copy with its own customer,
 * Azure plan and subscription ids, so that each copy is rated on its own and stays right. Not committed: built per run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUSTOMERS, SAMPLE_PATHS, generateSamples, type PlantedDefect } from '../../scripts/generate-samples';

export interface BigMonth {
  dir: string;
  daily: string;
  priceList: string;
  rows: number;
  /** Planted daily defects of every copy, at their lines in the big file. */
  defects: PlantedDefect[];
}

export function writeBigMonth(copies: number, withDefects: boolean): BigMonth {
  const gen = generateSamples({ defects: withDefects });
  const text = gen.files.get(SAMPLE_PATHS.daily)!.toString('utf8');
  const [header, ...lines] = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n$/, '')
    .split('\r\n');
  const ids = CUSTOMERS.flatMap((c) => [c.id, c.plan.id, ...c.entitlements.map((e) => e.id)]);
  const out: string[] = [header];
  const defects: PlantedDefect[] = [];
  const planted = gen.defects.filter((d) => d.file === SAMPLE_PATHS.daily);
  for (let k = 0; k < copies; k++) {
    // Same-length ids per copy: the last hex digits count the copy.
    const suffix = k.toString(16).padStart(4, '0');
    const swap = (line: string): string =>
      k === 0 ? line : ids.reduce((l, id) => l.split(id).join(id.slice(0, -4) + suffix), line);
    for (const line of lines) out.push(swap(line));
    for (const d of planted)
      defects.push({
        ...d,
        line: d.line + k * lines.length,
        value: k === 0 ? d.value : swapValue(d.value, ids, suffix),
      });
  }
  const dir = mkdtempSync(join(tmpdir(), 'chargeback-big-month-'));
  const daily = join(dir, 'DailyRatedUsage_2026-07.csv');
  writeFileSync(daily, `\uFEFF${out.join('\r\n')}\r\n`);
  const priceList = join(dir, 'AzurePlanPriceList_2026-07.csv');
  writeFileSync(priceList, gen.files.get(SAMPLE_PATHS.priceList)!);
  return { dir, daily, priceList, rows: out.length - 1, defects };
}

function swapValue(value: string, ids: readonly string[], suffix: string): string {
  return ids.reduce((v, id) => v.split(id).join(id.slice(0, -4) + suffix), value);
}
