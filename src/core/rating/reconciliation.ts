/**
 * Checks of the new-commerce invoice reconciliation file (domain page, section 1b), one line at a time:
 *   - EffectiveUnitPrice against UnitPrice and the discounts PriceAdjustmentDescription names (partner earned
 *     credit: the rounded-down band; no discount: EUP = UnitPrice);
 *   - Subtotal against the usage formula ROUNDDOWN(ROUNDDOWN(EUP x BillableQuantity, 2) x FX, 2) or the seat formula
 *     ROUNDDOWN(EUP x FX, 2) x BillableQuantity;
 *   - Total = Subtotal + TaxTotal.
 * ROUNDDOWN truncates toward zero, so refunds (negative quantities) round the same way as charges.
 */
import type Decimal from 'decimal.js';
import { Dec, ONE, ZERO, formatCents, formatPrice, parseDecimal, printingTolerance, roundCents } from '../money';
import { grossPrice } from './formula';
import { parseBillingDate } from '../billing/dates';
import type { CsvRecord } from '../billing/csv';
import type { BillingHeader } from '../billing/reader';
import { cellRange, type Finding } from '../findings';
import { priceSeverity, totalSeverity, type CheckOptions } from './options';
import { chargeWords, fmtPct, type RowOutcome } from './dailyUsage';

const COLUMNS = {
  unitPrice: 'UnitPrice',
  eup: 'EffectiveUnitPrice',
  billableQuantity: 'BillableQuantity',
  quantity: 'Quantity',
  subtotal: 'Subtotal',
  taxTotal: 'TaxTotal',
  total: 'Total',
  fx: 'PCToBCExchangeRate',
  adjustment: 'PriceAdjustmentDescription',
  currency: 'Currency',
  chargeType: 'ChargeType',
  meterDescription: 'MeterDescription',
  productId: 'ProductId',
  skuId: 'SkuId',
  chargeStart: 'ChargeStartDate',
} as const;
type ColumnKey = keyof typeof COLUMNS;

/** Cuts toward zero to cents: Excel's ROUNDDOWN(x, 2). */
export function roundDownCents(x: Decimal): Decimal {
  return x.toDecimalPlaces(2, Dec.ROUND_DOWN);
}

/** A discount read from PriceAdjustmentDescription, e.g. "15.0% Partner earned credit for services managed". */
export interface PriceAdjustment {
  fraction: Decimal;
  text: string;
  isPartnerEarnedCredit: boolean;
  /** A fee on top of the price: `fraction` is then negative (the price is raised by its size). */
  isSurcharge?: boolean;
}

/** The partner earned credit rate: a price exactly that much below the flat price is a credit, not a tier. */
const STANDARD_PEC = new Dec('0.15');

/** "15% partner earned credit", "2% surcharge", "5% discount": how a finding names an adjustment. */
function adjustmentWords(a: PriceAdjustment): string {
  const kind = a.isPartnerEarnedCredit ? 'partner earned credit' : a.isSurcharge ? 'surcharge' : 'discount';
  return `${fmtPct(a.fraction.abs())} ${kind}`;
}

const SURCHARGE = /surcharge|\bfees?\b|uplift|mark-?up|premium/i;

/**
 * Reads the reasons listed in PriceAdjustmentDescription (a JSON-ish list of strings). A reason that names no
 * percentage cannot be verified: it is returned in `unverifiable`, and the line's price is then not judged.
 */
export function parsePriceAdjustments(text: string): { adjustments: PriceAdjustment[]; unverifiable: string[] } {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '[]') return { adjustments: [], unverifiable: [] };
  let reasons: string[];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    reasons = Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
  } catch {
    // Not JSON: split where a new reason starts (a quoted item, or a comma before the next percentage).
    reasons = trimmed
      .replace(/^\[|\]$/g, '')
      .split(/"\s*,\s*"|,\s*(?="?\s*-?\d+(?:[.,]\d+)?\s*%)/)
      .map((s) => s.trim().replace(/^"|"$/g, '').trim())
      .filter(Boolean);
  }
  const adjustments: PriceAdjustment[] = [];
  const unverifiable: string[] = [];
  for (const reason of reasons) {
    const m = /(-?\d+(?:[.,]\d+)?)\s*%/.exec(reason);
    if (!m) {
      unverifiable.push(reason);
      continue;
    }
    const rate = new Dec(m[1].replace(',', '.')).div(100);
    const isPartnerEarnedCredit = /partner\s+earned\s+credit/i.test(reason);
    // A fee applied on top of the price raises it; only discounts and credits lower it.
    const isSurcharge = !isPartnerEarnedCredit && SURCHARGE.test(reason) && !/discount|credit|rebate/i.test(reason);
    const fraction = isSurcharge ? rate.abs().neg() : rate;
    adjustments.push({ fraction, text: reason, isPartnerEarnedCredit, isSurcharge });
  }
  return { adjustments, unverifiable };
}

export class ReconciliationChecker {
  private readonly idx: Record<ColumnKey, number>;
  private readonly decimalComma: boolean;

  constructor(
    private readonly header: BillingHeader,
    private readonly options: CheckOptions,
  ) {
    this.decimalComma = header.decimalComma;
    this.idx = header.columns.indexes(COLUMNS);
  }

  private cell(r: CsvRecord, key: ColumnKey): string {
    const i = this.idx[key];
    return i >= 0 ? r.cells[i] : '';
  }

  /** Usage lines carry a meter; everything else (seats, reservations, marketplace) uses the seat formula. */
  private isUsage(r: CsvRecord): boolean {
    return this.cell(r, 'meterDescription').trim() !== '' || /^usage$/i.test(this.cell(r, 'chargeType').trim());
  }

  check(r: CsvRecord, emit: (f: Finding) => void): RowOutcome {
    const bad: { key: ColumnKey; reason: string }[] = [];
    const num = (key: ColumnKey): Decimal | undefined => {
      const text = this.cell(r, key);
      const v = parseDecimal(text, this.decimalComma);
      if (!v) bad.push({ key, reason: text.trim() === '' ? 'is empty' : `"${text}" is not a number` });
      return v;
    };
    const quantityKey: ColumnKey = this.idx.billableQuantity >= 0 ? 'billableQuantity' : 'quantity';
    const unitPrice = num('unitPrice');
    const eup = num('eup');
    const quantity = num(quantityKey);
    const subtotal = num('subtotal');
    const taxTotal = num('taxTotal');
    const total = num('total');
    const fx = num('fx');
    if (bad.length > 0 || !unitPrice || !eup || !quantity || !subtotal || !taxTotal || !total || !fx) {
      for (const b of bad) {
        const column = this.header.columns.nameAt(this.idx[b.key]);
        emit({
          code: 'invalid-value',
          severity: 'error',
          column,
          record: r.index,
          actual: this.cell(r, b.key),
          message: `${column} ${b.reason}; this line was not checked.`,
          ...cellRange(r.pos, this.idx[b.key]),
        });
      }
      return { stake: ZERO };
    }
    const currency = this.cell(r, 'currency');
    const usage = this.isUsage(r);
    let atStake = ZERO;
    const stake = (impact: Decimal): void => {
      if (impact.abs().gt(atStake.abs())) atStake = impact;
    };

    // The Subtotal a price gives, by the usage or the seat formula.
    const subtotalAt = (price: Decimal): Decimal =>
      usage
        ? roundDownCents(roundDownCents(price.times(quantity)).times(fx))
        : roundDownCents(price.times(fx)).times(quantity);
    const expectedSubtotal = subtotalAt(eup);
    const billedFromOwnPrice = subtotal.minus(expectedSubtotal).abs().lte('0.01');
    const subtotalText = this.cell(r, 'subtotal').trim();
    // One money verdict per line: a wrong price carries the line's money (Subtotal minus what the right price
    // bills), and the Subtotal is then not judged a second time against the wrong price.
    let verdict = false;

    // Effective unit price against the list price and the discounts the line names.
    const { adjustments, unverifiable } = parsePriceAdjustments(this.cell(r, 'adjustment'));
    if (unverifiable.length === 0 && !quantity.isZero()) {
      const fraction = adjustments.reduce((f, a) => f.times(ONE.minus(a.fraction)), ONE);
      const tolerance = printingTolerance(this.cell(r, 'eup'));
      let lower: Decimal, upper: Decimal;
      let tiersKnown = false;
      if (usage) {
        const day = parseBillingDate(this.cell(r, 'chargeStart'), this.options.dateOrder);
        const tiers = day.ok
          ? this.options.priceList?.forProductSku(this.cell(r, 'productId'), this.cell(r, 'skuId'), day.iso)?.tiers
          : undefined;
        tiersKnown = !!tiers && tiers.length > 0;
        const units = quantity.abs();
        const charged = grossPrice(units, unitPrice, tiers).times(fraction);
        upper = charged.div(units);
        lower = charged.toDecimalPlaces(2, Dec.ROUND_FLOOR).div(units);
      } else {
        lower = upper = unitPrice.times(fraction);
      }
      if (eup.lt(lower.minus(tolerance)) || eup.gt(upper.plus(tolerance))) {
        const low = Dec.min(subtotalAt(lower), subtotalAt(upper));
        const high = Dec.max(subtotalAt(lower), subtotalAt(upper));
        // Billed at the right price and not at the printed one: only the price cell is wrong.
        const billedRight = !billedFromOwnPrice && subtotal.gte(low.minus('0.01')) && subtotal.lte(high.plus('0.01'));
        const impact = billedRight ? ZERO : roundCents(subtotal.minus(subtotalAt(lower)));
        const edge = eup.gt(upper) ? upper : lower;
        const relative = edge.isZero() ? ONE : eup.minus(edge).abs().div(edge.abs());
        const discountWords =
          adjustments.length === 0
            ? 'no price adjustment is listed, so it should equal UnitPrice'
            : `PriceAdjustmentDescription lists ${adjustments.map(adjustmentWords).join(' and ')}`;
        // Below the flat band on a usage line without a price list: a free allowance or graduated prices would do
        // that, so it is unverified information, unless it is a listed discount applied twice.
        const twice = [...adjustments.map((a) => a.fraction), STANDARD_PEC].some((a) => {
          if (!a.gt(0)) return false;
          const f = ONE.minus(a);
          const units = quantity.abs();
          const low = Dec.min(lower.times(f), roundDownCents(upper.times(units).times(f)).div(units));
          return eup.gte(low.minus(tolerance)) && eup.lte(upper.times(f).plus(tolerance));
        });
        if (usage && !tiersKnown && !this.options.priceList && eup.lt(lower.minus(tolerance)) && !twice) {
          emit({
            code: 'tiers-unverified',
            severity: 'info',
            column: this.header.columns.nameAt(this.idx.eup),
            record: r.index,
            actual: this.cell(r, 'eup').trim(),
            currency,
            rows: 1,
            message:
              `EffectiveUnitPrice ${this.cell(r, 'eup').trim()} is below the flat price ${formatPrice(lower)} ` +
              `(UnitPrice ${unitPrice.toFixed()}; ${discountWords}), as a free monthly allowance or graduated prices ` +
              `price a meter; without a price list it cannot be checked: ${currency ? currency + ' ' : ''}` +
              `${formatCents(subtotal)} billed on this line is unverified. ` +
              'Set chargeback.priceList (CLI: --price-list) to check it.',
            ...cellRange(r.pos, this.idx.eup),
          });
        } else {
          verdict = true;
          stake(impact);
          const money = billedRight
            ? `Subtotal ${subtotalText} was billed at the right price: no money at stake.`
            : `${chargeWords(impact, currency)} on this line` +
              (billedFromOwnPrice ? '.' : `; Subtotal ${subtotalText} does not match this price either.`);
          emit({
            code: 'eup-mismatch',
            severity: billedRight ? 'warning' : priceSeverity(relative, impact, this.options),
            column: this.header.columns.nameAt(this.idx.eup),
            record: r.index,
            actual: this.cell(r, 'eup').trim(),
            expected: formatPrice(lower),
            impact: formatCents(impact),
            currency,
            message:
              `EffectiveUnitPrice ${this.cell(r, 'eup').trim()} should be ${formatPrice(lower)}` +
              (lower.eq(upper) ? '' : ` to ${formatPrice(upper)}`) +
              ` (UnitPrice ${unitPrice.toFixed()}; ${discountWords}); ${money}`,
            ...cellRange(r.pos, this.idx.eup),
          });
        }
      }
    }

    // Subtotal by the usage or the seat formula, from the line's own price (when that price is not wrong).
    if (!verdict && !billedFromOwnPrice) {
      const impact = subtotal.minus(expectedSubtotal);
      stake(impact);
      const formula = usage
        ? `usage formula ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice ${eup.toFixed()} x ${this.header.columns.nameAt(this.idx[quantityKey])} ${quantity.toFixed()}, 2) x FX ${fx.toFixed()}, 2)`
        : `seat formula ROUNDDOWN(EffectiveUnitPrice ${eup.toFixed()} x FX ${fx.toFixed()}, 2) x ${this.header.columns.nameAt(this.idx[quantityKey])} ${quantity.toFixed()}`;
      emit({
        code: 'subtotal-mismatch',
        severity: totalSeverity(impact, this.options),
        column: this.header.columns.nameAt(this.idx.subtotal),
        record: r.index,
        actual: this.cell(r, 'subtotal').trim(),
        expected: formatCents(expectedSubtotal),
        impact: formatCents(impact),
        currency,
        message: `Subtotal ${this.cell(r, 'subtotal').trim()} should be ${formatCents(expectedSubtotal)} by the ${formula}; ${chargeWords(impact, currency)}.`,
        ...cellRange(r.pos, this.idx.subtotal),
      });
    }

    // Total = Subtotal + TaxTotal, exactly as printed.
    const expectedTotal = subtotal.plus(taxTotal);
    if (!total.eq(expectedTotal)) {
      const impact = total.minus(expectedTotal);
      stake(impact);
      emit({
        code: 'total-mismatch',
        severity: totalSeverity(impact, this.options),
        column: this.header.columns.nameAt(this.idx.total),
        record: r.index,
        actual: this.cell(r, 'total').trim(),
        expected: formatCents(expectedTotal),
        impact: formatCents(impact),
        currency,
        message: `Total ${this.cell(r, 'total').trim()} is not Subtotal ${subtotal.toFixed()} + TaxTotal ${taxTotal.toFixed()} = ${formatCents(expectedTotal)}; ${chargeWords(impact, currency)}.`,
        ...cellRange(r.pos, this.idx.total),
      });
    }
    return { stake: atStake, billed: subtotal, currency };
  }
}
