/**
 * The Partner Center Azure plan price list: retail unit prices per meter, with graduated tiers where a meter has
 * several PricingTierRangeMin rows. Used to re-rate tiered meters and to catch a UnitPrice that is not the list price.
 */
import type Decimal from 'decimal.js';
import { parseDecimal } from '../money';
import { parseBillingDate, type DateOrder } from './dates';
import { readBillingFile } from './reader';
import type { TextSource } from './source';
import { cellRange, type Finding } from '../findings';

/** One graduated price band: units beyond `startsAfter` (and up to the next band) cost `unitPrice`. */
export interface PriceTier {
  startsAfter: Decimal;
  unitPrice: Decimal;
}

/**
 * Builds graduated bands from price-list rows (PricingTierRangeMin, UnitPrice). Price lists write the first band as
 * starting at 0 or at 1 ("1-100, 101-100000"); both mean "the first 100 units", so a list whose lowest minimum is 1
 * is read as 1-based.
 */
export function tiersFromRangeMins(rows: { min: Decimal; unitPrice: Decimal }[]): PriceTier[] {
  const sorted = [...rows].sort((a, b) => a.min.comparedTo(b.min));
  if (sorted.length === 0) return [];
  const oneBased = sorted[0].min.eq(1);
  return sorted.map((r) => ({ startsAfter: oneBased ? r.min.minus(1) : r.min, unitPrice: r.unitPrice }));
}

export interface PriceEntry {
  /** yyyy-mm-dd, inclusive; undefined means open-ended. */
  effectiveStart?: string;
  effectiveEnd?: string;
  currency: string;
  tiers: PriceTier[];
  /** Every tier's unit price (a usage row may show any of them as its UnitPrice). */
  unitPrices: Decimal[];
}

export class PriceList {
  private readonly byMeter = new Map<string, PriceEntry[]>();
  private readonly byProductSku = new Map<string, PriceEntry[]>();

  constructor(readonly name: string) {}

  add(meterIds: string[], productId: string, skuId: string, entry: PriceEntry): void {
    for (const id of meterIds) push(this.byMeter, id.toLowerCase(), entry);
    if (productId && skuId) push(this.byProductSku, `${productId}/${skuId}`.toLowerCase(), entry);
  }

  get size(): number {
    return this.byMeter.size;
  }

  /** The entry for a meter effective on a day (yyyy-mm-dd), if the list has one. */
  forMeter(meterId: string, day: string): PriceEntry | undefined {
    return pick(this.byMeter.get(meterId.toLowerCase()), day);
  }

  forProductSku(productId: string, skuId: string, day: string): PriceEntry | undefined {
    return pick(this.byProductSku.get(`${productId}/${skuId}`.toLowerCase()), day);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, v: V): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

function pick(entries: PriceEntry[] | undefined, day: string): PriceEntry | undefined {
  if (!entries) return undefined;
  return entries.find(
    (e) => (!e.effectiveStart || e.effectiveStart <= day) && (!e.effectiveEnd || day <= e.effectiveEnd),
  );
}

/**
 * Loads a price list. Rows of one (meter set, product, sku, effective period) with different PricingTierRangeMin
 * form one graduated entry. Unreadable rows are reported as findings and left out.
 */
export async function loadPriceList(
  source: TextSource,
  dateOrder: DateOrder = 'MDY',
): Promise<{ priceList: PriceList; findings: Finding[] }> {
  const priceList = new PriceList(source.name);
  const findings: Finding[] = [];
  const groups = new Map<
    string,
    {
      meterIds: string[];
      productId: string;
      skuId: string;
      start?: string;
      end?: string;
      currency: string;
      rows: { min: Decimal; unitPrice: Decimal }[];
    }
  >();
  const idx: Record<string, number> = {};
  let decimalComma = false;
  await readBillingFile(source, {
    onHeader(h) {
      if (h.kind !== 'price-list') {
        findings.push({
          code: 'missing-column',
          severity: 'error',
          message: `${source.name} is not an Azure plan price list (header lacks UnitPrice, PricingTierRangeMin, MeterIds...).`,
          line: 0,
          character: 0,
          endLine: 0,
          endCharacter: 0,
        });
        return false;
      }
      decimalComma = h.decimalComma;
      for (const name of [
        'ProductId',
        'SkuId',
        'UnitPrice',
        'PricingTierRangeMin',
        'EffectiveStartDate',
        'EffectiveEndDate',
        'MeterIds',
        'Currency',
      ]) {
        idx[name] = h.columns.indexOf(name);
      }
      const missing = ['UnitPrice', 'MeterIds'].filter((n) => idx[n] < 0);
      if (missing.length > 0) {
        findings.push({
          code: 'missing-column',
          severity: 'error',
          message: `The price list lacks ${missing.join(', ')}.`,
          line: 0,
          character: 0,
          endLine: 0,
          endCharacter: 0,
        });
        return false;
      }
      return true;
    },
    onRow(r) {
      const cell = (name: string): string => (idx[name] >= 0 ? r.cells[idx[name]] : '');
      const unitPrice = parseDecimal(cell('UnitPrice'), decimalComma);
      const min =
        cell('PricingTierRangeMin').trim() === '' ? undefined : parseDecimal(cell('PricingTierRangeMin'), decimalComma);
      if (!unitPrice || (cell('PricingTierRangeMin').trim() !== '' && !min)) {
        const bad = !unitPrice ? 'UnitPrice' : 'PricingTierRangeMin';
        findings.push({
          code: 'invalid-value',
          severity: 'error',
          message: `${bad} "${cell(bad)}" is not a number; this price row was ignored.`,
          column: bad,
          record: r.index,
          ...cellRange(r.pos, idx[bad]),
        });
        return;
      }
      const start = cell('EffectiveStartDate') ? parseBillingDate(cell('EffectiveStartDate'), dateOrder) : undefined;
      const end = cell('EffectiveEndDate') ? parseBillingDate(cell('EffectiveEndDate'), dateOrder) : undefined;
      const meterIds = cell('MeterIds')
        .split(/[,;|\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      const key = [
        meterIds.join('+'),
        cell('ProductId'),
        cell('SkuId'),
        start?.ok ? start.iso : '',
        end?.ok ? end.iso : '',
      ]
        .join('|')
        .toLowerCase();
      let g = groups.get(key);
      if (!g) {
        g = {
          meterIds,
          productId: cell('ProductId'),
          skuId: cell('SkuId'),
          start: start?.ok ? start.iso : undefined,
          end: end?.ok ? end.iso : undefined,
          currency: cell('Currency'),
          rows: [],
        };
        groups.set(key, g);
      }
      g.rows.push({ min: min ?? unitPrice.times(0), unitPrice });
    },
    onFinding(f) {
      findings.push(f);
    },
  });
  for (const g of groups.values()) {
    const tiers = tiersFromRangeMins(g.rows);
    priceList.add(g.meterIds, g.productId, g.skuId, {
      effectiveStart: g.start,
      effectiveEnd: g.end,
      currency: g.currency,
      tiers: tiers.length > 1 ? tiers : [],
      unitPrices: g.rows.map((r) => r.unitPrice),
    });
  }
  return { priceList, findings };
}
