/**
 * The samples' cross-file discrepancy for the month-close tie-out: one reconciliation usage line bills two days of a
 * VM more than the daily usage file holds. The line stays consistent in itself (Subtotal, TaxTotal and Total follow
 * the documented formulas from its BillableQuantity), so a check of either file alone finds nothing; only tying the
 * two files out shows it.
 */
import { Dec, floorCents, formatPrice, roundCents } from '../../src/core/money';
import { chargedFraction, rateCumulative } from '../../src/core/rating/formula';

/** Hours of one VM over two days: the extra quantity the line bills. */
const EXTRA_HOURS = new Dec(48);

interface Line {
  cells: Record<string, string>;
}

export interface PlantedTieOutDefect {
  file: string;
  line: number;
  column: string;
  code: 'recon-daily-mismatch';
  why: string;
  value: string;
}

/** Raises BillableQuantity of the chosen customer's D4s v5 PEC line and re-derives its amounts; returns where it is. */
export function plantTieOutDefect(lines: Line[], file: string, vat: Dec, customerName = 'Fabrikam Süd GmbH', skuName = 'D4s v5'): PlantedTieOutDefect {
  const i = lines.findIndex((l) => l.cells.CustomerName === customerName && l.cells.SkuName === skuName && l.cells.MeterDescription !== '');
  if (i < 0) throw new Error(`tie-out defect: no usage line of ${skuName} for ${customerName}`);
  const c = lines[i].cells;
  const bq = new Dec(c.BillableQuantity).plus(EXTRA_HOURS);
  // The month's price follows the billed quantity (EUP = ROUNDDOWN(gross x (1 - PEC), 2) / quantity), so that the
  // line's own price check passes too. The D4s v5 meter is flat-priced; the line carries 15% PEC.
  const eup = formatPrice(rateCumulative(bq, new Dec(c.UnitPrice), chargedFraction(new Dec('0.15'))).eup);
  const subtotal = floorCents(floorCents(new Dec(eup).times(bq)).times(c.PCToBCExchangeRate));
  c.EffectiveUnitPrice = eup;
  const tax = roundCents(subtotal.times(vat));
  c.BillableQuantity = bq.toFixed();
  c.Subtotal = subtotal.toFixed(2);
  c.TaxTotal = tax.toFixed(2);
  c.Total = subtotal.plus(tax).toFixed(2);
  return {
    file, line: i + 2, column: 'BillableQuantity', code: 'recon-daily-mismatch', value: c.BillableQuantity,
    why: `BillableQuantity ${EXTRA_HOURS.toFixed()} hours above the daily rows' Quantity; EffectiveUnitPrice, `
      + `Subtotal, TaxTotal and Total consistent with it`,
  };
}
