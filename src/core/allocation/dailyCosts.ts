/**
 * Each target's allocated cost per usage day, for the budget forecast: the billing files' lines are read again,
 * grouped by day, and each day is allocated on its own by the same rules. Only for data small enough to read twice
 * (the editor's 50 MB); bigger months are forecast from the run-rate of all their days, and the forecast says so.
 */
import { promises as fs } from 'node:fs';
import type Decimal from 'decimal.js';
import type { DateOrder } from '../billing/dates';
import type { CostLine } from './costLine';
import type { DailyCosts } from './budgets';
import { allocateSync } from './engine';
import type { RulesFile } from './model';
import { readCostLines } from './costLines';
import { fileSource } from '../billing/source';

/** Data up to this size is read a second time for the per-day series. */
export const DAILY_SERIES_MAX_BYTES = 50 * 1024 * 1024;

export async function dailyTargetCosts(
  model: RulesFile,
  files: readonly string[],
  dateOrder?: DateOrder,
): Promise<DailyCosts | undefined> {
  let bytes = 0;
  for (const f of files) bytes += (await fs.stat(f)).size;
  if (bytes > DAILY_SERIES_MAX_BYTES) return undefined;
  const byDay = new Map<string, CostLine[]>();
  const lines = readCostLines(
    files.map((f) => fileSource(f)),
    { dateOrder, amount: model.amount, detail: true },
  );
  for await (const line of lines) {
    if (!line.date) continue;
    const day = byDay.get(line.date);
    if (day) day.push(line);
    else byDay.set(line.date, [line]);
  }
  const out: DailyCosts = new Map();
  for (const [day, lines] of byDay) {
    const r = allocateSync(model, lines, { detectShadowing: false });
    if (!r.ok) return undefined;
    for (const t of r.targets) {
      let series = out.get(t.id);
      if (!series) out.set(t.id, (series = new Map<string, Decimal>()));
      series.set(day, t.amount);
    }
  }
  return out;
}
