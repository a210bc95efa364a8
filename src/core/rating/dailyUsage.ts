/**
 * Re-rating of the daily rated usage file (domain page, section 2).
 *
 * Rows are grouped per (CustomerId, SubscriptionId, MeterId, ChargeStartDate, charged fraction: PEC or not). The
 * first pass sums each group's Quantity per UsageDate; the second pass rates every row on the group's month-to-date
 * quantity through the row's day (all rows of a day share the day's total) and compares:
 *   - EffectiveUnitPrice against the consistent band [BC / BCU, gross x (1 - PEC) / BCU] (printing precision added);
 *   - BillingPreTaxTotal against EUP x Quantity x FX (one cent of slack), PricingPreTaxTotal against EUP x Quantity;
 *   - UnitPrice against the price list, when one is given;
 *   - partner earned credit on usage that can never earn it (reservation / savings plan covered, Spot, marketplace).
 * Rows with unreadable cells get `invalid-value` and are left out of the month-to-date sums; the other findings of
 * their group say so.
 */
import type Decimal from 'decimal.js';
import { Dec, ZERO, formatCents, formatPrice, floorCents, isDecimalText, parseDecimal, printingTolerance, roundCents } from '../money';
import type { PriceTier } from '../billing/priceList';
import { chargedFraction, percentAsFraction, rateCumulative } from './formula';
import { parseBillingDate } from '../billing/dates';
import type { CsvRecord } from '../billing/csv';
import type { BillingHeader } from '../billing/reader';
import { cellRange, type Finding } from '../findings';
import { priceSeverity, totalSeverity, type CheckOptions } from './options';

/** A data row with every value the rules need, parsed. */
export interface DailyRow {
  record: number;
  groupKey: string;
  day: string;
  quantity: Decimal;
  unitPrice: Decimal;
  eup: Decimal;
  eupText: string;
  billingTotal: Decimal;
  pricingTotal?: Decimal;
  fx: Decimal;
  pec: Decimal;
  credit: Decimal;
  fraction: Decimal;
  meterId: string;
  currency: string;
  coveredByBenefit: boolean;
  pecIneligibleReason?: string;
}

type ParseResult = { ok: true; row: DailyRow } | { ok: false; groupKey?: string; bad: { column: number; reason: string }[] };

/** How a row's effective unit price was derived: what the hover shows. */
export interface DailyRowExplanation {
  row: DailyRow;
  bcu: Decimal;
  gross: Decimal;
  bc: Decimal;
  lower: Decimal;
  upper: Decimal;
  tolerance: Decimal;
  tiers?: readonly PriceTier[];
  consistent: boolean;
  leftOutRows: number;
}

const COLUMNS = {
  customerId: 'CustomerId', subscriptionId: 'SubscriptionId', meterId: 'MeterId', chargeStart: 'ChargeStartDate',
  usageDate: 'UsageDate', unitPrice: 'UnitPrice', quantity: 'Quantity', eup: 'EffectiveUnitPrice',
  billingTotal: 'BillingPreTaxTotal', fx: 'PCToBCExchangeRate', pec: 'PartnerEarnedCreditPercentage',
  credit: 'CreditPercentage', currency: 'BillingCurrency', pricingTotal: 'PricingPreTaxTotal',
  benefitId: 'BenefitId', benefitType: 'BenefitType', meterName: 'MeterName', meterSubCategory: 'MeterSubCategory',
  publisher: 'PublisherName',
} as const;
export type ColumnKey = keyof typeof COLUMNS;

interface GroupDays {
  /** Quantity per day during the first pass; month-to-date quantity per day after `finish`. */
  byDay: Map<string, Decimal>;
  leftOut: number;
}

export class DailyUsageChecker {
  /** Column index per value the rules read (-1: absent). */
  readonly idx: Record<ColumnKey, number>;
  private readonly groups = new Map<string, GroupDays>();
  private readonly decimalComma: boolean;
  private finished = false;
  /** Few distinct dates, percentages and month-to-date ratings recur on many rows: each is worked out once. */
  private readonly dates = new Map<string, ReturnType<typeof parseBillingDate>>();
  private readonly percents = new Map<string, Decimal | undefined>();
  private readonly pecFractions = new Map<string, Decimal>();
  private readonly ratings = new Map<string, Omit<DailyRowExplanation, 'row' | 'tolerance' | 'consistent' | 'leftOutRows'>>();

  private fractionOfPec(pec: Decimal): Decimal {
    const key = pec.toString();
    let f = this.pecFractions.get(key);
    if (!f) {
      f = chargedFraction(pec);
      this.pecFractions.set(key, f);
    }
    return f;
  }

  constructor(private readonly header: BillingHeader, private readonly options: CheckOptions) {
    this.decimalComma = header.decimalComma;
    this.idx = header.columns.indexes(COLUMNS);
  }

  private cell(r: CsvRecord, key: ColumnKey): string {
    const i = this.idx[key];
    return i >= 0 ? r.cells[i] : '';
  }

  /**
   * Parses the values the rules need; every unreadable cell is named. With `sumsOnly` (the first pass), the numbers
   * that pass does not add up are only checked for being numbers, and the returned row must not be used for rating.
   */
  parse(r: CsvRecord, sumsOnly = false): ParseResult {
    const bad: { column: number; reason: string }[] = [];
    const num = (key: ColumnKey, optional = false): Decimal | undefined => {
      const text = this.cell(r, key);
      if (optional && text.trim() === '') return undefined;
      const v = sumsOnly && key !== 'quantity' ? (isDecimalText(text, this.decimalComma) ? ZERO : undefined) : parseDecimal(text, this.decimalComma);
      if (!v) bad.push({ column: this.idx[key], reason: text.trim() === '' ? 'is empty' : `"${text}" is not a number` });
      return v;
    };
    const date = (key: ColumnKey): string | undefined => {
      const text = this.cell(r, key);
      let d = this.dates.get(text);
      if (!d) {
        d = parseBillingDate(text, this.options.dateOrder);
        if (this.dates.size < 10_000) this.dates.set(text, d);
      }
      if (!d.ok) bad.push({ column: this.idx[key], reason: `"${text}": ${d.reason}` });
      return d.ok ? d.iso : undefined;
    };
    const pct = (key: ColumnKey): Decimal | undefined => {
      if (this.idx[key] < 0) return ZERO;
      const text = this.cell(r, key);
      let v = this.percents.get(text);
      if (v === undefined && !this.percents.has(text)) {
        v = percentAsFraction(text, this.decimalComma);
        if (this.percents.size < 10_000) this.percents.set(text, v);
      }
      if (!v) bad.push({ column: this.idx[key], reason: `"${text}" is not a percentage (0-100 or 0-1)` });
      return v;
    };
    const chargeStart = date('chargeStart');
    const day = date('usageDate');
    const quantity = num('quantity');
    const unitPrice = num('unitPrice');
    const eup = num('eup');
    const billingTotal = num('billingTotal');
    const fx = num('fx');
    const pec = pct('pec');
    const credit = pct('credit');
    const pricingTotal = this.idx.pricingTotal >= 0 ? num('pricingTotal', true) : undefined;
    const fraction = pec && credit ? (credit.isZero() ? this.fractionOfPec(pec) : chargedFraction(pec, credit)) : undefined;
    const groupKey = chargeStart && fraction
      ? [this.cell(r, 'customerId'), this.cell(r, 'subscriptionId'), this.cell(r, 'meterId'), chargeStart, fraction.toString()].join('|').toLowerCase()
      : undefined;
    if (bad.length > 0 || !groupKey || !day || !quantity || !unitPrice || !eup || !billingTotal || !fx || !pec || !credit || !fraction) {
      return { ok: false, groupKey, bad };
    }
    const coveredByBenefit = this.cell(r, 'benefitId').trim() !== '' || this.cell(r, 'benefitType').trim() !== '';
    return {
      ok: true,
      row: {
        record: r.index, groupKey, day, quantity, unitPrice, eup, eupText: this.cell(r, 'eup'), billingTotal, pricingTotal,
        fx, pec, credit, fraction, meterId: this.cell(r, 'meterId'), currency: this.cell(r, 'currency'), coveredByBenefit,
        pecIneligibleReason: this.pecIneligibleReason(r, coveredByBenefit),
      },
    };
  }

  /** Why partner earned credit can never apply to this usage, if it cannot. */
  private pecIneligibleReason(r: CsvRecord, coveredByBenefit: boolean): string | undefined {
    if (coveredByBenefit) return `usage covered by a ${this.cell(r, 'benefitType') || 'reservation or savings plan'}`;
    if (/\bspot\b/i.test(this.cell(r, 'meterName')) || /\bspot\b/i.test(this.cell(r, 'meterSubCategory'))) return 'Spot usage';
    const publisher = this.cell(r, 'publisher').trim();
    if (publisher !== '' && !/^microsoft/i.test(publisher)) return `third-party (marketplace) usage published by ${publisher}`;
    return undefined;
  }

  /** First pass: adds a row's quantity to its group's day. */
  aggregate(r: CsvRecord): void {
    const p = this.parse(r, true);
    if (!p.ok) {
      if (p.groupKey) this.group(p.groupKey).leftOut++;
      return;
    }
    if (p.row.coveredByBenefit) return;
    const g = this.group(p.row.groupKey);
    g.byDay.set(p.row.day, (g.byDay.get(p.row.day) ?? ZERO).plus(p.row.quantity));
  }

  private group(key: string): GroupDays {
    let g = this.groups.get(key);
    if (!g) {
      g = { byDay: new Map(), leftOut: 0 };
      this.groups.set(key, g);
    }
    return g;
  }

  /** Ends the first pass: turns per-day quantities into month-to-date quantities. */
  finish(): void {
    for (const g of this.groups.values()) {
      const days = [...g.byDay.keys()].sort();
      let running = ZERO;
      for (const d of days) {
        running = running.plus(g.byDay.get(d)!);
        g.byDay.set(d, running);
      }
    }
    this.finished = true;
  }

  /** Adds a quantity summed elsewhere (the fast reader's exact sums) to a group's day, as `aggregate` would. */
  addDayQuantity(groupKey: string, day: string, quantity: Decimal): void {
    const g = this.group(groupKey);
    g.byDay.set(day, (g.byDay.get(day) ?? ZERO).plus(quantity));
  }

  /**
   * Month-to-date quantities kept elsewhere (the fast reader's compact store), used instead of this checker's own
   * sums when every row was summed there.
   */
  private external?: { monthToDate(groupKey: string, day: string): Decimal | undefined };

  useMonthToDate(store: { monthToDate(groupKey: string, day: string): Decimal | undefined }): void {
    this.external = store;
  }

  /** The group's quantity from the start of the month through `day` (after finish). */
  monthToDate(groupKey: string, day: string): Decimal | undefined {
    return this.external ? this.external.monthToDate(groupKey, day) : this.groups.get(groupKey)?.byDay.get(day);
  }

  /** The graduated tiers the price list gives for a meter and day, if any. */
  tiersFor(meterId: string, day: string): readonly PriceTier[] | undefined {
    const tiers = this.options.priceList?.forMeter(meterId, day)?.tiers;
    return tiers && tiers.length > 0 ? tiers : undefined;
  }

  /** True when the first pass saw the group's day (a row of it was summed). */
  hasGroupDay(groupKey: string, day: string): boolean {
    return this.monthToDate(groupKey, day) !== undefined;
  }

  /**
   * The month-to-date rating of (group, day, unit price): all rows of a group's day share it, so it is worked out
   * once. `fallbackQuantity` stands in for the month-to-date quantity of a group-day the first pass never saw.
   */
  rating(groupKey: string, day: string, unitPrice: Decimal, fraction: Decimal, meterId: string, fallbackQuantity: Decimal): Omit<DailyRowExplanation, 'row' | 'tolerance' | 'consistent' | 'leftOutRows'> {
    if (!this.finished) throw new Error('rating() before finish()');
    const key = `${groupKey}|${day}|${unitPrice.toString()}`;
    let rating = this.ratings.get(key);
    if (!rating) {
      const bcu = this.monthToDate(groupKey, day) ?? fallbackQuantity;
      const tiers = this.options.priceList?.forMeter(meterId, day)?.tiers;
      if (bcu.gt(0)) {
        const r = rateCumulative(bcu, unitPrice, fraction, tiers);
        rating = { bcu, gross: r.gross, bc: r.bc, lower: r.eup, upper: r.unroundedEup, tiers: tiers && tiers.length > 0 ? tiers : undefined };
      } else {
        // No positive consumption yet this month: nothing to round, the price is the retail price net of discounts.
        const price = unitPrice.times(fraction);
        rating = { bcu, gross: ZERO, bc: ZERO, lower: price, upper: price, tiers: tiers && tiers.length > 0 ? tiers : undefined };
      }
      // Bounded: a group-day seen once is rarely asked again after its rows have passed.
      if (this.ratings.size >= 20_000) this.ratings.clear();
      this.ratings.set(key, rating);
    }
    return rating;
  }

  /** True when a unit price is one of the price list's for the meter and day (or the list has none for it). */
  unitPriceListed(meterId: string, day: string, unitPriceText: string, unitPrice: Decimal): boolean {
    const listed = this.options.priceList?.forMeter(meterId, day);
    if (!listed || listed.unitPrices.length === 0) return true;
    const tolerance = printingTolerance(unitPriceText);
    return listed.unitPrices.some((p) => p.minus(unitPrice).abs().lte(tolerance));
  }

  /** The month-to-date rating of a parsed row and whether its price is consistent with it. */
  explain(row: DailyRow): DailyRowExplanation {
    if (!this.finished) throw new Error('explain() before finish()');
    const g = this.groups.get(row.groupKey);
    const tolerance = printingTolerance(row.eupText);
    const rating = this.rating(row.groupKey, row.day, row.unitPrice, row.fraction, row.meterId, row.quantity);
    const { bcu, gross, bc, lower, upper, tiers } = rating;
    const consistent = row.eup.gte(lower.minus(tolerance)) && row.eup.lte(upper.plus(tolerance));
    return { row, bcu, gross, bc, lower, upper, tolerance, tiers, consistent, leftOutRows: g?.leftOut ?? 0 };
  }

  /** Second pass: checks one row and emits its findings. Returns the row's money at stake and billed amount. */
  check(r: CsvRecord, emit: (f: Finding) => void): RowOutcome {
    const p = this.parse(r);
    if (!p.ok) {
      for (const b of p.bad) {
        const name = this.header.columns.nameAt(b.column);
        emit({
          code: 'invalid-value', severity: 'error', column: name, record: r.index, actual: r.cells[b.column],
          message: `${name} ${b.reason}; this row was left out of the month-to-date sums of its meter.`,
          ...cellRange(r.pos, b.column),
        });
      }
      return { stake: ZERO };
    }
    const row = p.row;
    const currency = row.currency;
    const leftOutNote = (): string => {
      const n = this.groups.get(row.groupKey)?.leftOut ?? 0;
      return n > 0 ? ` (${n} row${n === 1 ? '' : 's'} of this meter ${n === 1 ? 'was' : 'were'} left out of the month-to-date sums: invalid values)` : '';
    };
    let atStake = ZERO;
    const stake = (impact: Decimal): void => {
      if (impact.abs().gt(atStake.abs())) atStake = impact;
    };

    if (row.pec.gt(0) && row.pecIneligibleReason) {
      const impact = roundCents(row.eup.times(row.quantity).times(row.fx).times(row.pec).div(Dec.sub(1, row.pec)).neg());
      emit({
        code: 'pec-not-eligible', severity: 'error', column: this.header.columns.nameAt(this.idx.pec), record: r.index,
        actual: this.cell(r, 'pec'), expected: '0', currency,
        message: `Partner earned credit ${fmtPct(row.pec)} on ${row.pecIneligibleReason}, which never earns it.`,
        impact: formatCents(impact),
        ...cellRange(r.pos, this.idx.pec),
      });
    }

    if (!row.coveredByBenefit) {
      const x = this.explain(row);
      if (!x.consistent) {
        const expected = x.lower;
        const impact = roundCents(row.eup.minus(expected).times(row.quantity).times(row.fx));
        const edge = row.eup.gt(x.upper) ? x.upper : x.lower;
        const relative = edge.isZero() ? new Dec(1) : row.eup.minus(edge).abs().div(edge.abs());
        const severity = priceSeverity(relative, impact, this.options);
        stake(impact);
        emit({
          code: 'eup-mismatch', severity, column: this.header.columns.nameAt(this.idx.eup), record: r.index,
          actual: row.eupText.trim(), expected: formatPrice(expected), impact: formatCents(impact), currency,
          message: `EffectiveUnitPrice ${row.eupText.trim()} should be ${formatPrice(expected)} `
            + `(${derivation(x)}); ${chargeWords(impact, currency)} on this row${leftOutNote()}${tierNote(x, this.options)}.`,
          ...cellRange(r.pos, this.idx.eup),
        });
      }
    }

    const exactTotal = row.eup.times(row.quantity).times(row.fx);
    const expectedTotal = floorCents(exactTotal);
    if (row.billingTotal.minus(exactTotal).abs().gt('0.01')) {
      const impact = row.billingTotal.minus(expectedTotal);
      stake(impact);
      emit({
        code: 'total-mismatch', severity: totalSeverity(impact, this.options), column: this.header.columns.nameAt(this.idx.billingTotal),
        record: r.index, actual: this.cell(r, 'billingTotal').trim(), expected: formatCents(expectedTotal), impact: formatCents(impact), currency,
        message: `BillingPreTaxTotal ${this.cell(r, 'billingTotal').trim()} should be ${formatCents(expectedTotal)} `
          + `(FLOOR(EffectiveUnitPrice ${row.eupText.trim()} x Quantity ${row.quantity.toFixed()} x PCToBCExchangeRate ${row.fx.toFixed()}, 2)); `
          + `${chargeWords(impact, currency)}.`,
        ...cellRange(r.pos, this.idx.billingTotal),
      });
    }
    if (row.pricingTotal) {
      const exactPricing = row.eup.times(row.quantity);
      if (row.pricingTotal.minus(exactPricing).abs().gt('0.01')) {
        const expectedPricing = floorCents(exactPricing);
        const impact = roundCents(row.pricingTotal.minus(expectedPricing).times(row.fx));
        emit({
          code: 'total-mismatch', severity: totalSeverity(impact, this.options), column: this.header.columns.nameAt(this.idx.pricingTotal),
          record: r.index, actual: this.cell(r, 'pricingTotal').trim(), expected: formatCents(expectedPricing), impact: formatCents(impact), currency,
          message: `PricingPreTaxTotal ${this.cell(r, 'pricingTotal').trim()} should be ${formatCents(expectedPricing)} `
            + `(FLOOR(EffectiveUnitPrice x Quantity, 2) in pricing currency); ${chargeWords(impact, currency)}.`,
          ...cellRange(r.pos, this.idx.pricingTotal),
        });
      }
    }

    const listed = this.options.priceList?.forMeter(row.meterId, row.day);
    if (listed && listed.unitPrices.length > 0) {
      const matches = this.unitPriceListed(row.meterId, row.day, this.cell(r, 'unitPrice'), row.unitPrice);
      if (!matches) {
        const listPrice = listed.unitPrices.reduce((a, b) => (b.minus(row.unitPrice).abs().lt(a.minus(row.unitPrice).abs()) ? b : a));
        const impact = roundCents(row.unitPrice.minus(listPrice).times(row.fraction).times(row.quantity).times(row.fx));
        stake(impact);
        const relative = listPrice.isZero() ? new Dec(1) : row.unitPrice.minus(listPrice).abs().div(listPrice);
        emit({
          code: 'unitprice-mismatch', severity: priceSeverity(relative, impact, this.options), column: this.header.columns.nameAt(this.idx.unitPrice),
          record: r.index, actual: this.cell(r, 'unitPrice').trim(), expected: formatPrice(listPrice), impact: formatCents(impact), currency,
          message: `UnitPrice ${this.cell(r, 'unitPrice').trim()} is not the price list's ${formatPrice(listPrice)} for meter ${row.meterId} on ${row.day}; `
            + `${chargeWords(impact, currency)} on this row.`,
          ...cellRange(r.pos, this.idx.unitPrice),
        });
      }
    }
    return { stake: atStake, billed: row.billingTotal, currency };
  }
}

/** What checking one row adds to the file's summary. */
export interface RowOutcome {
  /** The largest money difference found on the row (positive: overcharged), in billing currency. */
  stake: Decimal;
  /** The row's billed amount, when it could be read. */
  billed?: Decimal;
  currency?: string;
}

export function fmtPct(fraction: Decimal): string {
  return `${fraction.times(100).toDecimalPlaces(4).toFixed()}%`;
}

function derivation(x: DailyRowExplanation): string {
  const pricing = x.tiers ? 'graduated price' : `UnitPrice ${x.row.unitPrice.toFixed()}`;
  const discount = x.row.fraction.eq(1) ? '' : ` x (1 - ${fmtPct(Dec.sub(1, x.row.fraction))})`;
  return `${x.bcu.toFixed()} units month to date, ${pricing}${discount}: BC ${x.bc.toFixed(2)} / BCU; `
    + `consistent range ${formatPrice(x.lower)} to ${formatPrice(x.upper)}`;
}

/**
 * Without a price list a meter is rated flat; graduated (tiered) prices lower the effective price as the month's
 * quantity grows, which is what a price below the flat band looks like: the finding says so.
 */
function tierNote(x: DailyRowExplanation, options: CheckOptions): string {
  if (options.priceList || x.tiers || !x.row.eup.lt(x.lower)) return '';
  return '; if this meter has graduated (tiered) prices, that would explain a lower price: check with the Azure plan price list';
}

/** "overcharged EUR 4.35" / "undercharged EUR 0.02" / "no money at stake". */
export function chargeWords(impact: Decimal, currency: string): string {
  const amount = formatCents(impact.abs());
  if (amount === '0.00') return 'less than a cent at stake';
  return `${impact.isNegative() ? 'undercharged' : 'overcharged'} ${currency ? currency + ' ' : ''}${amount}`.trim();
}
