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
 * Each row gets one money verdict: what was billed minus what should have been billed (expected price x Quantity x
 * FX). Rows priced below the flat band the way a free allowance or graduated prices would price them cannot be
 * proved without a price list: they are kept until the end and reported once per rating group (`finishRows`).
 * A row with an unreadable cell gets `invalid-value` on that cell; its Quantity still counts in the month-to-date
 * sums when it is readable, and only rows whose quantity, day or rating group is unknown are left out.
 */
import type Decimal from 'decimal.js';
import {
  Dec,
  ZERO,
  formatCents,
  formatPrice,
  floorCents,
  isDecimalText,
  parseDecimal,
  printedDecimals,
  printingTolerance,
  roundCents,
} from '../money';
import type { PriceTier } from '../billing/priceList';
import { chargedFraction, percentAsFraction, rateCumulative, tierPriceRange } from './formula';

/** Month-to-date quantities kept outside the checker (the fast reader's compact store). */
export interface MonthToDateSource {
  monthToDate(groupKey: string, day: string): Decimal | undefined;
  before(groupKey: string, day: string): Decimal | undefined;
}
import { parseBillingDate } from '../billing/dates';
import type { CsvRecord } from '../billing/csv';
import type { BillingHeader } from '../billing/reader';
import { cellRange, type Finding, type Severity } from '../findings';
import { priceSeverity, totalSeverity, type CheckOptions } from './options';
import { isBenefitCovered, readCredits } from './readings';
import { recordRange } from '../findings';
import type { DateOrder } from '../billing/dates';

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
  /** Which reading of PEC, CreditPercentage and CreditType gave `pec` and `credit` (the hover says it). */
  creditReading: string;
  /** Set when CreditPercentage and PartnerEarnedCreditPercentage disagree on a PEC row. */
  creditDisagreement?: { pec: Decimal; credit: Decimal };
  /** The billing period (ISO), when ChargeEndDate is readable. */
  periodStart: string;
  periodEnd?: string;
}

interface BadCell {
  column: number;
  reason: string;
  /** A slash date that only reads in the other date order: reported once for the file, not on every row. */
  dateOrder?: boolean;
}

type ParseResult =
  | { ok: true; row: DailyRow }
  | { ok: false; groupKey?: string; bad: BadCell[]; day?: string; quantity?: Decimal; covered: boolean };

/** A row priced below the flat band with totals billed from that price: kept until its rating group is complete. */
interface BelowBandRow {
  /** The row's record index (rows of a group are decided in file order). */
  record: number;
  /** The row's eup-mismatch and its money, built only for a row emitted on its own or its group's first. */
  make: () => { finding: Finding; impact: Decimal };
  billed: Decimal;
  flatBilled: Decimal;
  day: string;
  zero: boolean;
  /** The price is the flat price with the row's own discount applied a second time. */
  twice?: string;
}

interface BelowBandGroup {
  meterId: string;
  meterName: string;
  subscriptionId: string;
  currency: string;
  rows: BelowBandRow[];
  /** Where the group's first row below the band is (its price cell): the note's place when the fast path kept it. */
  first: BelowBandPlace;
  /** The group's rows kept and summed by the fast path (it then holds no rows of its own). */
  kept?: KeptBelowBand;
}

type BelowBandPlace = Pick<Finding, 'column' | 'record' | 'line' | 'character' | 'endLine' | 'endCharacter'>;

/**
 * A rating group's rows below the band as the fast path sums them, all explained (zero-priced or lower prices, no
 * discount applied twice, no later day back in the band): what the group's tiers-unverified note says.
 */
export interface KeptBelowBand {
  rows: number;
  /** Rows priced 0. */
  zeros: number;
  /** Their BillingPreTaxTotal, summed. */
  billed: Decimal;
  /** What they would bill at the flat price: the expected price x Quantity x FX, summed. */
  flat: Decimal;
}

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
  /** The documented cumulative price BC / BCU, where the band is wider than it (graduated prices). */
  cumulative?: Decimal;
  consistent: boolean;
  leftOutRows: number;
}

/** The columns the check reads, by the names its code uses. */
export const DAILY_USAGE_COLUMNS = {
  customerId: 'CustomerId',
  subscriptionId: 'SubscriptionId',
  meterId: 'MeterId',
  chargeStart: 'ChargeStartDate',
  usageDate: 'UsageDate',
  unitPrice: 'UnitPrice',
  quantity: 'Quantity',
  eup: 'EffectiveUnitPrice',
  billingTotal: 'BillingPreTaxTotal',
  fx: 'PCToBCExchangeRate',
  pec: 'PartnerEarnedCreditPercentage',
  credit: 'CreditPercentage',
  currency: 'BillingCurrency',
  pricingTotal: 'PricingPreTaxTotal',
  benefitId: 'BenefitId',
  benefitType: 'BenefitType',
  meterName: 'MeterName',
  meterSubCategory: 'MeterSubCategory',
  publisher: 'PublisherName',
  creditType: 'CreditType',
  chargeEnd: 'ChargeEndDate',
} as const;
export type ColumnKey = keyof typeof DAILY_USAGE_COLUMNS;

interface GroupDays {
  /** Quantity per day during the first pass; month-to-date quantity per day after `finish`. */
  byDay: Map<string, Decimal>;
  /** After `finish`: the month-to-date quantity before each day. */
  before: Map<string, Decimal>;
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
  private readonly ratings = new Map<
    string,
    Omit<DailyRowExplanation, 'row' | 'tolerance' | 'consistent' | 'leftOutRows'>
  >();

  private fractionOfPec(pec: Decimal): Decimal {
    const key = pec.toString();
    let f = this.pecFractions.get(key);
    if (!f) {
      f = chargedFraction(pec);
      this.pecFractions.set(key, f);
    }
    return f;
  }

  constructor(
    private readonly header: BillingHeader,
    private readonly options: CheckOptions,
  ) {
    this.decimalComma = header.decimalComma;
    this.idx = header.columns.indexes(DAILY_USAGE_COLUMNS);
    this.order = options.dateOrder;
  }

  /** The date order slash dates are read in: the setting, unless the file's first row proves the other order. */
  get dateOrder(): DateOrder {
    return this.order;
  }

  private order: DateOrder;
  private orderDecided = false;
  /** The first row's date that proved the setting wrong (reported once for the file). */
  private orderOverride?: { column: string; text: string; setting: DateOrder };
  /** Later dates that read only in the other order: counted, reported once for the file. */
  private orderContradictions = { rows: 0, example: '', column: '' };
  private firstPassContradiction?: { column: string; text: string };
  private readonly belowBand = new Map<string, BelowBandGroup>();

  /** After the first pass: a date that reads only in the other order, if one was seen (the check then starts over). */
  orderContradicted(): { column: string; text: string } | undefined {
    return this.firstPassContradiction;
  }

  /** This check reads the dates in the order the file proved, against the setting: the file-level finding says so. */
  assumeOrderOverride(o: { column: string; text: string; setting: DateOrder }): void {
    this.orderOverride = o;
    this.orderDecided = true;
  }
  /** True once the date order is settled (by the file's first row, or as told). */
  get dateOrderDecided(): boolean {
    return this.orderDecided;
  }

  /** Per rating group, the latest day on which a row was priced inside the band (tier patterns never go back). */
  private readonly lastInBandDay = new Map<string, string>();

  /**
   * Decides the date order on the first row: when one of its dates (ChargeEndDate is the last day of the month, so
   * it is never ambiguous) cannot be read in the configured order but can in the other, the file says which order
   * it uses, and every row is read that way; the file-level finding names the setting to change.
   */
  private decideDateOrder(r: CsvRecord): void {
    this.orderDecided = true;
    for (const key of ['chargeEnd', 'chargeStart', 'usageDate'] as const) {
      const text = this.cell(r, key);
      const mine = parseBillingDate(text, this.order);
      if (mine.ok || this.idx[key] < 0) continue;
      const other: DateOrder = this.order === 'MDY' ? 'DMY' : 'MDY';
      if (parseBillingDate(text, other).ok) {
        this.orderOverride = { column: this.header.columns.nameAt(this.idx[key]), text, setting: this.order };
        this.order = other;
        this.dates.clear();
      }
      return;
    }
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
    if (!this.orderDecided) this.decideDateOrder(r);
    const bad: BadCell[] = [];
    const num = (key: ColumnKey, optional = false): Decimal | undefined => {
      const text = this.cell(r, key);
      if (optional && text.trim() === '') return undefined;
      const v =
        sumsOnly && key !== 'quantity'
          ? isDecimalText(text, this.decimalComma)
            ? ZERO
            : undefined
          : parseDecimal(text, this.decimalComma);
      if (!v)
        bad.push({ column: this.idx[key], reason: text.trim() === '' ? 'is empty' : `"${text}" is not a number` });
      return v;
    };
    const date = (key: ColumnKey, optional = false): string | undefined => {
      const text = this.cell(r, key);
      let d = this.dates.get(text);
      if (!d) {
        d = parseBillingDate(text, this.order);
        if (this.dates.size < 10_000) this.dates.set(text, d);
      }
      if (!d.ok && !optional) {
        const other = parseBillingDate(text, this.order === 'MDY' ? 'DMY' : 'MDY').ok;
        bad.push({ column: this.idx[key], reason: `"${text}": ${d.reason}`, dateOrder: other });
      }
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
    const periodEnd = this.idx.chargeEnd >= 0 ? date('chargeEnd', true) : undefined;
    const day = date('usageDate');
    const quantity = num('quantity');
    const unitPrice = num('unitPrice');
    const eup = num('eup');
    const billingTotal = num('billingTotal');
    const fx = num('fx');
    const pecCell = pct('pec');
    const creditCell = pct('credit');
    const pricingTotal = this.idx.pricingTotal >= 0 ? num('pricingTotal', true) : undefined;
    const credits = pecCell && creditCell ? readCredits(pecCell, creditCell, this.cell(r, 'creditType')) : undefined;
    const fraction = credits
      ? credits.further.isZero()
        ? this.fractionOfPec(credits.pec)
        : chargedFraction(credits.pec, credits.further)
      : undefined;
    const groupKey =
      chargeStart && fraction
        ? [
            this.cell(r, 'customerId'),
            this.cell(r, 'subscriptionId'),
            this.cell(r, 'meterId'),
            chargeStart,
            fraction.toString(),
          ]
            .join('|')
            .toLowerCase()
        : undefined;
    const coveredByBenefit = isBenefitCovered(this.cell(r, 'benefitId'), this.cell(r, 'benefitType'));
    const unreadable = !quantity || !unitPrice || !eup || !billingTotal || !fx || !credits || !fraction || !chargeStart;
    if (bad.length > 0 || !groupKey || !day || unreadable) {
      return { ok: false, groupKey, bad, day, quantity, covered: coveredByBenefit };
    }
    return {
      ok: true,
      row: {
        record: r.index,
        groupKey,
        day,
        quantity,
        unitPrice,
        eup,
        eupText: this.cell(r, 'eup'),
        billingTotal,
        pricingTotal,
        fx,
        pec: credits.pec,
        credit: credits.further,
        fraction,
        meterId: this.cell(r, 'meterId'),
        currency: this.cell(r, 'currency'),
        coveredByBenefit,
        pecIneligibleReason: this.pecIneligibleReason(r, coveredByBenefit),
        creditReading: credits.reading,
        creditDisagreement: credits.disagreement,
        periodStart: chargeStart,
        periodEnd,
      },
    };
  }

  /** Why partner earned credit can never apply to this usage, if it cannot. */
  private pecIneligibleReason(r: CsvRecord, coveredByBenefit: boolean): string | undefined {
    if (coveredByBenefit) return `usage covered by a ${this.cell(r, 'benefitType') || 'reservation or savings plan'}`;
    if (/\bspot\b/i.test(this.cell(r, 'meterName')) || /\bspot\b/i.test(this.cell(r, 'meterSubCategory')))
      return 'Spot usage';
    const publisher = this.cell(r, 'publisher').trim();
    if (publisher !== '' && !/^microsoft/i.test(publisher))
      return `third-party (marketplace) usage published by ${publisher}`;
    return undefined;
  }

  /**
   * First pass: adds a row's quantity to its group's day. A row whose price or total cell is unreadable still
   * consumed its Quantity: it counts, or every later row of its meter would be rated on too few units.
   */
  aggregate(r: CsvRecord): void {
    const p = this.parse(r, true);
    if (!p.ok) {
      const b = p.bad.find((x) => x.dateOrder);
      if (b && !this.firstPassContradiction) {
        const name = this.header.columns.nameAt(b.column);
        this.firstPassContradiction = { column: name, text: r.cells[b.column] ?? '' };
      }
      if (p.groupKey && p.day && p.quantity && !p.covered) this.addDayQuantity(p.groupKey, p.day, p.quantity);
      else if (p.groupKey) this.group(p.groupKey).leftOut++;
      return;
    }
    if (p.row.coveredByBenefit) return;
    const g = this.group(p.row.groupKey);
    g.byDay.set(p.row.day, (g.byDay.get(p.row.day) ?? ZERO).plus(p.row.quantity));
  }

  private group(key: string): GroupDays {
    let g = this.groups.get(key);
    if (!g) {
      g = { byDay: new Map(), before: new Map(), leftOut: 0 };
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
        g.before.set(d, running);
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
  private external?: MonthToDateSource;

  useMonthToDate(store: MonthToDateSource): void {
    this.external = store;
  }

  /** The group's quantity from the start of the month up to, not including, `day` (after finish). */
  monthToDateBefore(groupKey: string, day: string): Decimal | undefined {
    return this.external ? this.external.before(groupKey, day) : this.groups.get(groupKey)?.before.get(day);
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
  rating(
    groupKey: string,
    day: string,
    unitPrice: Decimal,
    fraction: Decimal,
    meterId: string,
    fallbackQuantity: Decimal,
  ): Omit<DailyRowExplanation, 'row' | 'tolerance' | 'consistent' | 'leftOutRows'> {
    if (!this.finished) throw new Error('rating() before finish()');
    const key = `${groupKey}|${day}|${unitPrice.toString()}`;
    let rating = this.ratings.get(key);
    if (!rating) {
      const bcu = this.monthToDate(groupKey, day) ?? fallbackQuantity;
      const tiers = this.options.priceList?.forMeter(meterId, day)?.tiers;
      if (bcu.gt(0)) {
        const r = rateCumulative(bcu, unitPrice, fraction, tiers);
        rating = {
          bcu,
          gross: r.gross,
          bc: r.bc,
          lower: r.eup,
          upper: r.unroundedEup,
          tiers: tiers && tiers.length > 0 ? tiers : undefined,
        };
        if (rating.tiers) {
          // Billed exports price the day at the tier its units fall in: that is consistent too (see tierPriceRange).
          const range = tierPriceRange(rating.tiers, this.monthToDateBefore(groupKey, day) ?? ZERO, bcu);
          rating.cumulative = r.eup;
          rating.lower = Dec.min(rating.lower, range.min.times(fraction));
          rating.upper = Dec.max(rating.upper, range.max.times(fraction));
        }
      } else {
        // No positive consumption yet this month: nothing to round, the price is the retail price net of discounts.
        const price = unitPrice.times(fraction);
        rating = {
          bcu,
          gross: ZERO,
          bc: ZERO,
          lower: price,
          upper: price,
          tiers: tiers && tiers.length > 0 ? tiers : undefined,
        };
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

  /** Notes that a row of a rating group was priced inside the band on `day` (the fast path proves such rows). */
  noteInBand(groupKey: string, day: string): void {
    const last = this.lastInBandDay.get(groupKey);
    if (last === undefined || day > last) this.lastInBandDay.set(groupKey, day);
  }

  /** Rows of a rating group left out of its month-to-date sums (invalid values): every finding of the group says so. */
  leftOutRows(groupKey: string): number {
    return this.groups.get(groupKey)?.leftOut ?? 0;
  }

  /** Second pass: checks one row and emits its findings. Returns the row's money verdict and billed amount. */
  check(r: CsvRecord, emit: (f: Finding) => void): RowOutcome {
    const p = this.parse(r);
    const meter = this.cell(r, 'meterId') || undefined;
    if (!p.ok) {
      const counted = p.groupKey && p.day && p.quantity && !p.covered;
      for (const b of p.bad) {
        if (b.dateOrder) {
          if (this.orderContradictions.rows++ === 0) {
            this.orderContradictions.example = r.cells[b.column] ?? '';
            this.orderContradictions.column = this.header.columns.nameAt(b.column);
          }
          continue;
        }
        const name = this.header.columns.nameAt(b.column);
        const effect = counted
          ? "its Quantity still counts in its meter's month-to-date sums, but the row itself could not be re-rated"
          : 'this row was left out of the month-to-date sums of its meter';
        emit({
          code: 'invalid-value',
          severity: 'error',
          column: name,
          record: r.index,
          actual: r.cells[b.column],
          meter,
          message: `${name} ${b.reason}; ${effect}.`,
          ...cellRange(r.pos, b.column),
        });
      }
      return { stake: ZERO };
    }
    const row = p.row;
    const currency = row.currency;
    const leftOutNote = (): string => leftOutWords(this.leftOutRows(row.groupKey));
    let atStake = ZERO;
    const stake = (impact: Decimal): void => {
      if (impact.abs().gt(atStake.abs())) atStake = impact;
    };

    if (row.creditDisagreement) {
      const d = row.creditDisagreement;
      emit({
        code: 'credit-disagreement',
        severity: 'warning',
        column: this.header.columns.nameAt(this.idx.credit),
        record: r.index,
        actual: this.cell(r, 'credit'),
        expected: this.cell(r, 'pec'),
        meter,
        message:
          `CreditPercentage ${fmtPct(d.credit)} disagrees with PartnerEarnedCreditPercentage ${fmtPct(d.pec)} ` +
          'on a ' +
          `"${this.cell(r, 'creditType').trim()}" row, where both name the same credit; the price was checked with ` +
          `${fmtPct(d.pec)}, counted once.`,
        ...cellRange(r.pos, this.idx.credit),
      });
    }

    if (row.periodEnd && (row.day < row.periodStart || row.day > row.periodEnd)) {
      emit({
        code: 'usage-date-outside-period',
        severity: 'warning',
        column: this.header.columns.nameAt(this.idx.usageDate),
        record: r.index,
        actual: this.cell(r, 'usageDate'),
        meter,
        message:
          `UsageDate ${row.day} is outside the billing period ${row.periodStart} to ${row.periodEnd} ` +
          '(ChargeStartDate to ChargeEndDate); the row was rated in that period.',
        ...cellRange(r.pos, this.idx.usageDate),
      });
    }

    if (row.pec.gt(0) && row.pecIneligibleReason) {
      const impact = roundCents(
        row.eup.times(row.quantity).times(row.fx).times(row.pec).div(Dec.sub(1, row.pec)).neg(),
      );
      emit({
        code: 'pec-not-eligible',
        severity: 'error',
        column: this.header.columns.nameAt(this.idx.pec),
        record: r.index,
        actual: this.cell(r, 'pec'),
        expected: '0',
        currency,
        meter,
        message: `Partner earned credit ${fmtPct(row.pec)} on ${row.pecIneligibleReason}, which never earns it.`,
        impact: formatCents(impact),
        ...cellRange(r.pos, this.idx.pec),
      });
    }

    const billedText = this.cell(r, 'billingTotal').trim();
    // A total printed in cents was rounded down to cents (documented); an un-rounded one (real billed exports) was not.
    const asBilled = printedDecimals(billedText) <= 2 ? floorCents : (x: Decimal): Decimal => x;
    const ownExact = row.eup.times(row.quantity).times(row.fx);
    const billedFromOwnPrice = row.billingTotal.minus(ownExact).abs().lte('0.01');
    let verdict = false;
    if (!row.coveredByBenefit) {
      const x = this.explain(row);
      if (x.consistent) this.noteInBand(row.groupKey, row.day);
      else {
        verdict = true;
        const expected = x.cumulative ?? x.lower;
        const qfx = row.quantity.times(row.fx);
        const lowBill = Dec.min(x.lower, x.upper).times(qfx);
        const highBill = Dec.max(x.lower, x.upper).times(qfx);
        // Billed at the right price and not at the printed one: only the price cell is wrong. (A total that fits both,
        // on a quantity too small to tell them apart, leaves a wrong price a wrong price.)
        const billedRight =
          !billedFromOwnPrice &&
          row.billingTotal.gte(lowBill.minus('0.01')) &&
          row.billingTotal.lte(highBill.plus('0.01'));
        // What the finding says of the row is read now: `make` may run when the group's last row has been read.
        const column = this.header.columns.nameAt(this.idx.eup);
        const record = r.index;
        const at = cellRange(r.pos, this.idx.eup);
        // Built only when it is emitted: a row kept below the band is usually folded into its group's one note.
        // Every field written out in one literal, in the order the fast path's verdicts have (a finding spread from
        // a base object and then given three more fields costs about 5 us more to make).
        const make = (): { finding: Finding; impact: Decimal } => {
          const because = `${derivation(x)}${leftOutNote()}`;
          const finding = (severity: Severity, impact: string, message: string): Finding => ({
            code: 'eup-mismatch',
            column,
            record,
            meter,
            actual: row.eupText.trim(),
            expected: formatPrice(expected),
            currency,
            line: at.line,
            character: at.character,
            endLine: at.endLine,
            endCharacter: at.endCharacter,
            severity,
            impact,
            message,
          });
          if (billedRight)
            return {
              finding: finding(
                'warning',
                '0.00',
                `EffectiveUnitPrice ${row.eupText.trim()} should be ${formatPrice(expected)} (${because}); ` +
                  `BillingPreTaxTotal ${billedText} was billed at the right price: no money at stake`,
              ),
              impact: ZERO,
            };
          const impact = roundCents(row.billingTotal.minus(asBilled(expected.times(qfx))));
          const edge = row.eup.gt(x.upper) ? x.upper : x.lower;
          const relative = edge.isZero() ? new Dec(1) : row.eup.minus(edge).abs().div(edge.abs());
          const totalsNote = billedFromOwnPrice
            ? ''
            : `; BillingPreTaxTotal ${billedText} does not match this price either`;
          return {
            finding: finding(
              priceSeverity(relative, impact, this.options),
              formatCents(impact),
              eupMismatchMessage(
                row.eupText.trim(),
                formatPrice(expected),
                because,
                chargeWords(impact, currency),
                totalsNote,
              ),
            ),
            impact,
          };
        };
        if (billedFromOwnPrice && row.eup.lt(x.lower) && !x.tiers && !this.options.priceList) {
          // Possibly a free allowance or graduated prices: decided when the whole group has been seen.
          this.keepBelowBand(r, row, x, make, expected.times(qfx));
          return { stake: ZERO, billed: row.billingTotal, currency };
        }
        const { finding, impact } = make();
        finding.message += `${billedRight ? '' : tierNote(x, this.options)}.`;
        stake(impact);
        emit(finding);
      }
    }

    if (!verdict && !billedFromOwnPrice) {
      const expectedTotal = asBilled(ownExact);
      const impact = roundCents(row.billingTotal.minus(expectedTotal));
      const inCents = printedDecimals(billedText) <= 2;
      const shown = inCents ? formatCents(expectedTotal) : formatPrice(expectedTotal);
      verdict = true;
      stake(impact);
      emit({
        code: 'total-mismatch',
        severity: totalSeverity(impact, this.options),
        column: this.header.columns.nameAt(this.idx.billingTotal),
        record: r.index,
        actual: billedText,
        expected: shown,
        impact: formatCents(impact),
        currency,
        meter,
        message:
          `BillingPreTaxTotal ${billedText} should be ${shown} ` +
          `(${inCents ? 'FLOOR(' : ''}EffectiveUnitPrice ${row.eupText.trim()} x Quantity ${row.quantity.toFixed()} ` +
          `x PCToBCExchangeRate ${row.fx.toFixed()}${inCents ? ', 2)' : ', not rounded, as the file prints totals'}); ` +
          `${chargeWords(impact, currency)}.`,
        ...cellRange(r.pos, this.idx.billingTotal),
      });
    }
    if (!verdict && row.pricingTotal) {
      const exactPricing = row.eup.times(row.quantity);
      if (row.pricingTotal.minus(exactPricing).abs().gt('0.01')) {
        // BillingPreTaxTotal, what the customer is billed, is right: the pricing-currency copy is wrong, no money is.
        const expectedPricing = floorCents(exactPricing);
        emit({
          code: 'total-mismatch',
          severity: 'warning',
          column: this.header.columns.nameAt(this.idx.pricingTotal),
          record: r.index,
          actual: this.cell(r, 'pricingTotal').trim(),
          expected: formatCents(expectedPricing),
          impact: '0.00',
          currency,
          meter,
          message:
            `PricingPreTaxTotal ${this.cell(r, 'pricingTotal').trim()} should be ${formatCents(expectedPricing)} ` +
            '(FLOOR(EffectiveUnitPrice x Quantity, 2) in pricing currency); ' +
            'BillingPreTaxTotal is right: no money at stake.',
          ...cellRange(r.pos, this.idx.pricingTotal),
        });
      }
    }

    const listed = this.options.priceList?.forMeter(row.meterId, row.day);
    if (listed && listed.unitPrices.length > 0) {
      const matches = this.unitPriceListed(row.meterId, row.day, this.cell(r, 'unitPrice'), row.unitPrice);
      if (!matches) {
        const listPrice = listed.unitPrices.reduce((a, b) =>
          b.minus(row.unitPrice).abs().lt(a.minus(row.unitPrice).abs()) ? b : a,
        );
        const impact = roundCents(row.unitPrice.minus(listPrice).times(row.fraction).times(row.quantity).times(row.fx));
        stake(impact);
        const relative = listPrice.isZero() ? new Dec(1) : row.unitPrice.minus(listPrice).abs().div(listPrice);
        emit({
          code: 'unitprice-mismatch',
          severity: priceSeverity(relative, impact, this.options),
          column: this.header.columns.nameAt(this.idx.unitPrice),
          record: r.index,
          actual: this.cell(r, 'unitPrice').trim(),
          expected: formatPrice(listPrice),
          impact: formatCents(impact),
          currency,
          meter,
          message:
            `UnitPrice ${this.cell(r, 'unitPrice').trim()} is not the price list's ${formatPrice(listPrice)} for meter ${row.meterId} on ${row.day}; ` +
            `${chargeWords(impact, currency)} on this row.`,
          ...cellRange(r.pos, this.idx.unitPrice),
        });
      }
    }
    return { stake: atStake, billed: row.billingTotal, currency };
  }

  private keepBelowBand(
    r: CsvRecord,
    row: DailyRow,
    x: DailyRowExplanation,
    make: () => { finding: Finding; impact: Decimal },
    flatBilled: Decimal,
  ): void {
    const g = this.belowBand.get(row.groupKey) ?? this.openBelowBand(r, row.groupKey);
    // The row's own discount applied a second time on the flat price: a known defect, never a tier effect.
    let twice: string | undefined;
    for (const [rate, name] of [
      [row.pec, 'partner earned credit'],
      [row.credit, 'credit'],
    ] as const) {
      if (twice || !rate.gt(0)) continue;
      if (inDiscountedBand(row.eup, x, Dec.sub(1, rate))) {
        twice = `${name} ${fmtPct(rate)} applied twice (UnitPrice x (1 - ${fmtPct(rate)}) x (1 - ${fmtPct(rate)}))`;
      }
    }
    // Without PEC in the row, a price exactly 15% below the flat price is a partner earned credit the row does not
    // name.
    if (!twice && row.pec.isZero() && inDiscountedBand(row.eup, x, Dec.sub(1, '0.15'))) {
      twice = 'price of a 15% partner earned credit that PartnerEarnedCreditPercentage does not name';
    }
    g.rows.push({
      record: r.index,
      make,
      billed: row.billingTotal,
      flatBilled,
      day: row.day,
      zero: row.eup.isZero(),
      twice,
    });
  }

  /** Opens a rating group's record of rows below the band at its first such row (notes are made in this order). */
  private openBelowBand(r: CsvRecord, groupKey: string): BelowBandGroup {
    const g: BelowBandGroup = {
      meterId: this.cell(r, 'meterId'),
      meterName: this.cell(r, 'meterName').trim(),
      subscriptionId: this.cell(r, 'subscriptionId').trim(),
      currency: this.cell(r, 'currency'),
      rows: [],
      first: { column: this.header.columns.nameAt(this.idx.eup), record: r.index, ...cellRange(r.pos, this.idx.eup) },
    };
    this.belowBand.set(groupKey, g);
    return g;
  }

  /*
   * What the fast path (fastBelowBand.ts) needs to keep a rating group's rows below the band itself, as this checker
   * would: the group's place among the notes at its first such row, what this checker holds of the group, and the
   * group's sums at the end. The notes and errors stay this checker's (finishRows).
   */

  /**
   * Opens the group's record at `r`, its first row below the band, unless the group already has one (a row this
   * checker kept came first): false then, and the rows of the group are this checker's to keep.
   */
  openKeptBelowBand(r: CsvRecord, groupKey: string): boolean {
    if (this.belowBand.has(groupKey)) return false;
    this.openBelowBand(r, groupKey);
    return true;
  }

  /** Rows of the group this checker kept below the band (its own, not the fast path's). */
  rowsKeptBelowBand(groupKey: string): number {
    return this.belowBand.get(groupKey)?.rows.length ?? 0;
  }

  /** The latest day a row of the group was priced inside the band, so far (ISO). */
  latestInBandDay(groupKey: string): string | undefined {
    return this.lastInBandDay.get(groupKey);
  }

  /** The group's rows the fast path kept, summed: its note says them (the group must hold no rows of this checker). */
  foldKeptBelowBand(groupKey: string, kept: KeptBelowBand): void {
    const g = this.belowBand.get(groupKey);
    if (!g || g.rows.length > 0 || g.kept) throw new Error(`rows below the band of ${groupKey} folded twice`);
    g.kept = kept;
  }

  /**
   * After the last row: the rows priced below the flat band are decided per rating group. Rows a free allowance or
   * graduated prices explain (zero-priced rows; lower prices with no later day back at the flat price) become one
   * information finding for the group; the others (a discount applied twice, a price that goes back up on a flat
   * meter) are errors, one per row, with their money. Also reports, once, dates that contradict the date order.
   */
  finishRows(emit: (f: Finding) => void, account: (o: RowOutcome) => void): void {
    const headerRange = recordRange(this.header.record.pos);
    const fix = (order: DateOrder): string => `set chargeback.dateOrder to ${order} (CLI: --date-order ${order})`;
    if (this.orderOverride) {
      const o = this.orderOverride;
      emit({
        code: 'date-order',
        severity: 'warning',
        ...headerRange,
        column: o.column,
        actual: o.text,
        message:
          `The date order setting says ${words(o.setting)}, but ${o.column} "${o.text}" can only be ` +
          `${words(this.order)}: this file's dates were read ${words(this.order)}. To say so, ${fix(this.order)}.`,
      });
    }
    if (this.orderContradictions.rows > 0) {
      const c = this.orderContradictions;
      const other: DateOrder = this.order === 'MDY' ? 'DMY' : 'MDY';
      emit({
        code: 'date-order',
        severity: 'error',
        ...headerRange,
        column: c.column,
        actual: c.example,
        message:
          `${c.rows} row${c.rows === 1 ? ' has' : 's have'} dates that cannot be read ${words(this.order)} ` +
          `(the date order setting), e.g. ${c.column} "${c.example}"; they read ${words(other)}. ` +
          `Those rows were not re-rated: ${fix(other)}.`,
      });
    }
    for (const [groupKey, g] of this.belowBand) {
      if (g.kept) {
        emit(belowBandNote(g, g.first, g.kept));
        continue;
      }
      // Rows the fast path handed back at the end follow the checker's own: decided in file order all the same.
      if (g.rows.some((x, i) => i > 0 && x.record < g.rows[i - 1].record)) g.rows.sort((a, b) => a.record - b.record);
      const hasZero = g.rows.some((x) => x.zero);
      const last = this.lastInBandDay.get(groupKey);
      const explained: BelowBandRow[] = [];
      for (const x of g.rows) {
        const backUp = !hasZero && last !== undefined && last > x.day;
        if (!x.twice && !backUp) {
          explained.push(x);
          continue;
        }
        const { finding, impact } = x.make();
        finding.message += x.twice
          ? `; this is the ${x.twice}, which no graduated price explains.`
          : '; a later day of this meter is priced at the flat price again, which graduated prices cannot explain.';
        emit(finding);
        account({ stake: impact });
      }
      if (explained.length === 0) continue;
      emit(
        belowBandNote(g, explained[0].make().finding, {
          rows: explained.length,
          zeros: explained.filter((x) => x.zero).length,
          billed: explained.reduce((a, x) => a.plus(x.billed), ZERO),
          flat: explained.reduce((a, x) => a.plus(x.flatBilled), ZERO),
        }),
      );
    }
    this.belowBand.clear();
  }
}

/** The one information finding for a rating group's rows below the band that a free allowance or tiers explain. */
function belowBandNote(g: BelowBandGroup, first: BelowBandPlace, rows: KeptBelowBand): Finding {
  const { rows: n, zeros, billed, flat } = rows;
  const cur = g.currency ? `${g.currency} ` : '';
  return {
    code: 'tiers-unverified',
    severity: 'info',
    column: first.column,
    record: first.record,
    meter: g.meterId,
    rows: n,
    currency: g.currency,
    line: first.line,
    character: first.character,
    endLine: first.endLine,
    endCharacter: first.endCharacter,
    message:
      `${n} row${n === 1 ? '' : 's'} of meter ${g.meterId}${g.meterName ? ` (${g.meterName})` : ''} ` +
      `on ${g.subscriptionId} ${n === 1 ? 'is' : 'are'} priced below the flat price` +
      `${zeros > 0 ? ` (${zeros} at 0)` : ''}, as a free monthly allowance or graduated prices price them; ` +
      `without a price list they cannot be checked: ${cur}${formatCents(billed)} billed on them is unverified ` +
      `(${cur}${formatCents(flat)} at the flat price). Set chargeback.priceList (CLI: --price-list) to check them.`,
  };
}

/** True when a price lies in the row's band with a further discount (charged fraction `f`) on the same quantity. */
function inDiscountedBand(eup: Decimal, x: DailyRowExplanation, f: Decimal): boolean {
  const charged = x.upper.times(x.bcu).times(f);
  const low = x.bcu.gt(0) ? Dec.min(x.lower.times(f), floorCents(charged).div(x.bcu)) : x.lower.times(f);
  return eup.gte(low.minus(x.tolerance)) && eup.lte(x.upper.times(f).plus(x.tolerance));
}

function words(order: DateOrder): string {
  return order === 'MDY' ? 'month-first (MDY)' : 'day-first (DMY)';
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
  return derivationWords(
    x.bcu.toFixed(),
    pricing,
    discountWords(x.row.fraction),
    x.bc.toFixed(2),
    formatPrice(x.lower),
    formatPrice(x.upper),
  );
}

/*
 * The words of an eup-mismatch, piece by piece: the reference check and the fast path's verdict of a failing row
 * (fastVerdict.ts) build the same message from them, one from decimals, the other from exact integers.
 */

/** How the band was derived, from its numbers as printed. */
export function derivationWords(
  bcu: string,
  pricing: string,
  discount: string,
  bc: string,
  lower: string,
  upper: string,
): string {
  return (
    `${bcu} units month to date, ${pricing}${discount}: BC ${bc} / BCU; ` + `consistent range ${lower} to ${upper}`
  );
}

/** " x (1 - 15%)" for a charged fraction below 1, "" for the retail price. */
export function discountWords(fraction: Decimal): string {
  return fraction.eq(1) ? '' : ` x (1 - ${fmtPct(Dec.sub(1, fraction))})`;
}

/** The note on rows of a group some of whose rows were left out of the month-to-date sums. */
export function leftOutWords(n: number): string {
  return n > 0
    ? ` (${n} row${n === 1 ? '' : 's'} of this meter ${n === 1 ? 'was' : 'were'} left out of the month-to-date sums: invalid values)`
    : '';
}

/** An eup-mismatch with money at stake, up to its closing notes. */
export function eupMismatchMessage(
  eup: string,
  expected: string,
  because: string,
  charge: string,
  totalsNote: string,
): string {
  return `EffectiveUnitPrice ${eup} should be ${expected} (${because}); ${charge} on this row${totalsNote}`;
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
  return chargeWordsOf(formatCents(impact.abs()), impact.isNegative(), currency);
}

/** The same from the amount already printed (two decimals, no sign) and its sign. */
export function chargeWordsOf(amount: string, negative: boolean, currency: string): string {
  if (amount === '0.00') return 'less than a cent at stake';
  return `${negative ? 'undercharged' : 'overcharged'} ${currency ? currency + ' ' : ''}${amount}`.trim();
}
