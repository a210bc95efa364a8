/**
 * Allocated cost lines as a FOCUS 1.2 CSV: every cost line again (read a second time, streamed), cut into one row
 * per target it went to, with the FOCUS columns filled as the spec requires for the row's ChargeCategory (usage,
 * purchase, credit, tax, adjustment) and the chargeback columns `x_ChargebackTarget` / `x_ChargebackRule` /
 * `x_ChargebackAmount`. An empty cell is FOCUS's null. docs/focus-export.md says where each column comes from.
 *
 * Money: each money column adds up to the source. BilledCost adds up per InvoiceId to the billing files;
 * x_ChargebackAmount to the allocated total, and per target x rule exactly to the report (error diffusion plus a few
 * rounding rows: ChargeCategory Adjustment, no source line). EffectiveCost is amortized: the purchase row of a
 * commitment that the data shows in use carries 0, and each usage row that the commitment covered carries its
 * share of the purchase (its retail value over the retail value of all the usage the commitment covered, as the
 * allocation weighs it), so with `amount: billed` EffectiveCost also adds up to the allocated total.
 */
import type Decimal from 'decimal.js';
import { AmountSpreader, LineApportioner, apportion } from '../allocation/apportion';
import type { LineShare } from '../allocation/apportion';
import { purchaseKey } from '../allocation/compileRules';
import type { CostLine } from '../allocation/costLine';
import { Dec } from '../money';
import type { RulesFile } from '../allocation/model';
import {
  PEC_LABEL,
  UNMATCHED_LABEL,
  UNUSED_COMMITMENT_LABEL,
  UNMATCHED,
  UNUSED_COMMITMENT,
} from '../allocation/result';
import type { AllocationResult } from '../allocation/result';
import { Rational, unitsToDecimal } from '../allocation/rational';
import { csvRow, exact } from './csv';
import type { CsvValue } from './csv';
import { allowedServiceCategory, focusServiceCategory } from './focusServiceCategory';

/** The FOCUS version whose requirements the columns follow. */
export const FOCUS_VERSION = '1.2';
/** Partner Center sells Microsoft's cloud; Microsoft issues the partner's invoice. */
export const PROVIDER_NAME = 'Microsoft';
export const INVOICE_ISSUER_NAME = 'Microsoft';

export const FOCUS_COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'CommitmentDiscountCategory',
  'CommitmentDiscountId',
  'CommitmentDiscountName',
  'CommitmentDiscountStatus',
  'CommitmentDiscountType',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceId',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCurrency',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'ServiceCategory',
  'ServiceName',
  'SkuId',
  'SkuMeter',
  'SubAccountId',
  'SubAccountName',
  'Tags',
  'x_ResourceGroupName',
  'x_SkuMeterCategory',
  'x_SkuMeterSubcategory',
  'x_SkuMeterId',
  'x_SkuName',
  'x_ProductName',
  'x_ChargeType',
  'x_CustomerName',
  'x_CustomerId',
  'x_PartnerCreditRate',
  'x_EffectiveUnitPrice',
  'x_SourceFile',
  'x_SourceLine',
  'x_ChargebackAmount',
  'x_ChargebackTarget',
  'x_ChargebackTargetName',
  'x_ChargebackCostCenter',
  'x_ChargebackRule',
] as const;

export type FocusColumn = (typeof FOCUS_COLUMNS)[number];
export type ChargeCategory = 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';
const CHARGE_CATEGORIES: readonly ChargeCategory[] = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];
const CHARGE_FREQUENCIES = ['One-Time', 'Recurring', 'Usage-Based'] as const;

/** An ISO date plus days. */
function addDays(isoDate: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return '';
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

/** The first day of the month of an ISO date, and of the month after it. */
function monthOf(isoDate: string): { start: string; end: string } {
  const m = /^(\d{4})-(\d{2})/.exec(isoDate);
  if (!m) return { start: '', end: '' };
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)).toISOString().slice(0, 10);
  return { start: `${m[1]}-${m[2]}-01`, end: next };
}

/** FOCUS date/times are UTC instants in extended ISO 8601; Partner Center dates are whole days. */
function instant(isoDate: string | undefined): string {
  return isoDate ? `${isoDate}T00:00:00Z` : '';
}

/** The charge category of a source line: FOCUS rows say it; Partner Center rows are read by their kind. */
export function chargeCategoryOf(line: CostLine): ChargeCategory {
  const given = CHARGE_CATEGORIES.find((c) => c.toLowerCase() === (line.chargeCategory ?? '').trim().toLowerCase());
  if (given) return given;
  if (line.sourceKind === 'reconciliation') {
    if (line.reservationOrderId) return 'Purchase';
    if (/credit/i.test(line.chargeType)) return 'Credit';
    // Azure plan meter usage names its meter (MeterDescription); seats, licences and marketplace do not.
    return line.meterName ? 'Usage' : 'Purchase';
  }
  // Reservation / savings plan purchases in a FOCUS file without a category; everything else in a daily file is usage.
  return line.reservationOrderId ? 'Purchase' : 'Usage';
}

function chargeFrequencyOf(line: CostLine, category: ChargeCategory): (typeof CHARGE_FREQUENCIES)[number] {
  const given = CHARGE_FREQUENCIES.find((f) => f.toLowerCase() === (line.chargeFrequency ?? '').trim().toLowerCase());
  if (given && !(given === 'Usage-Based' && category === 'Purchase')) return given;
  if (category === 'Usage') return 'Usage-Based';
  if (category === 'Purchase' && /cycle|renew/i.test(line.chargeType)) return 'Recurring';
  return 'One-Time';
}

/** Type and name of the Azure resource behind an ARM id (`/subscriptions/.../providers/Ns/type/name/sub/name`). */
function armParts(id: string): { type?: string; name?: string } {
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return {};
  const segments = id
    .slice(at + '/providers/'.length)
    .split('/')
    .filter((s) => s !== '');
  if (segments.length < 3) return {};
  const types = segments.filter((_, i) => i > 0 && i % 2 === 1);
  return { type: `${segments[0]}/${types.join('/')}`, name: segments[segments.length - 1] };
}

function commitmentTypeOf(line: CostLine): 'Reservation' | 'Savings Plan' {
  return /savings/i.test(`${line.benefitType ?? ''} ${line.reservationOrderId ? line.product : ''}`)
    ? 'Savings Plan'
    : 'Reservation';
}

/** Cumulative rounding of the amortized shares of one commitment: its pieces add up to the purchase exactly. */
class AmortizedPieces {
  private readonly sofar = new Map<string, { exact: Rational; units: bigint }>();

  piece(commitment: string, amount: Rational, scale: number): Decimal {
    const s = this.sofar.get(commitment) ?? { exact: Rational.ZERO, units: 0n };
    const exactNow = s.exact.plus(amount);
    const half = Rational.of(1n, 2n * 10n ** BigInt(scale));
    const unitsNow = exactNow.plus(half).floorUnits(scale);
    this.sofar.set(commitment, { exact: exactNow, units: unitsNow });
    return unitsToDecimal(unitsNow - s.units, scale);
  }
}

/** Streams the CSV text (header first) of the allocated cost lines. */
export async function* focusCsvChunks(
  result: AllocationResult,
  model: RulesFile,
  lines: Iterable<CostLine> | AsyncIterable<CostLine>,
): AsyncGenerator<string> {
  const apportioner = new LineApportioner(model, result);
  const spreader = new AmountSpreader(result);
  const amortized = new AmortizedPieces();
  const billedIsAllocated = result.amountKind === 'billed';
  const targets = apportioner.rules.targets;
  const ruleName = (channel: number): string =>
    channel >= 0
      ? apportioner.rules.rules[channel].name
      : channel === UNMATCHED
        ? UNMATCHED_LABEL
        : channel === UNUSED_COMMITMENT
          ? UNUSED_COMMITMENT_LABEL
          : PEC_LABEL;
  const targetCells = (target: number | undefined): CsvValue[] => {
    const t = target === undefined ? undefined : targets[target];
    return [t?.id ?? '', t?.name?.value ?? (t ? '' : '(unallocated)'), t?.costCenter?.value ?? ''];
  };
  // What the rounding rows (no source line) take from the lines: the billing account and period seen last.
  let lastAccount = '';
  let lastPeriod = { start: '', end: '' };
  // Reconciliation files do not name the partner; its daily usage files do (PartnerName), under the same PartnerId.
  const accountNames = new Map<string, string>();
  yield csvRow([...FOCUS_COLUMNS]);
  let chunk = '';
  for await (const line of lines) {
    const shares = apportioner.sharesOf(line);
    if (!shares) continue;
    const category = chargeCategoryOf(line);
    const isTax = category === 'Tax';
    const fractions = shares.map((s) => s.fraction);
    const cut = (x: Decimal | undefined): (Decimal | undefined)[] =>
      x ? apportion(x, fractions) : shares.map(() => undefined);
    const allocated = spreader.spread(apportioner.amountOf(line), shares);
    const billed = billedIsAllocated && apportioner.amountOf(line) === line.billed ? allocated : cut(line.billed);
    const retail = cut(line.retail);
    // Six decimals at least: a quantity cut like the costs keeps ListUnitPrice x PricingQuantity = ListCost per row.
    const quantity = line.quantity
      ? apportion(line.quantity, fractions, shares.length > 1 ? 6 : 0)
      : shares.map(() => undefined);

    // Amortization: a purchase spread over its usage carries no effective cost; the usage carries its share.
    const purchase = purchaseKey(line);
    const spreadOverUsage = purchase !== undefined && result.routing.commitments.get(purchase)?.kind === 'amortized';
    let effective: Decimal[] = line.effective ? (cut(line.effective) as Decimal[]) : billed.map((b) => b ?? new Dec(0));
    if (line.sourceKind !== 'focus' && spreadOverUsage) effective = shares.map(() => new Dec(0));
    const share = line.sourceKind === 'focus' ? undefined : apportioner.amortizedShareOf(line);
    if (share) {
      const piece = amortized.piece(share.commitment, share.amount, 2);
      const pieces = apportion(
        piece,
        share.shares.map((s) => s.fraction),
      );
      const at = (s: LineShare): number =>
        share.shares.findIndex((o) => o.target === s.target && o.channel === s.channel);
      effective = effective.map((e, i) => (at(shares[i]) >= 0 ? e.plus(pieces[at(shares[i])]) : e));
      // A piece whose target the line's own shares lack (it cannot happen without PEC kept back) stays on row 0.
      share.shares.forEach((s, j) => {
        if (!shares.some((o) => o.target === s.target && o.channel === s.channel))
          effective[0] = effective[0].plus(pieces[j]);
      });
    }

    const commitmentId = purchase !== undefined ? line.reservationOrderId : line.benefitOrderId || line.benefitId;
    const commitmentType = commitmentId ? commitmentTypeOf(line) : undefined;
    const status =
      commitmentId && purchase === undefined ? line.commitmentStatus || (category === 'Usage' ? 'Used' : '') : '';
    const unused = status.toLowerCase() === 'unused';
    const chargeStart = line.date ?? line.billingPeriodStart ?? '';
    let billingPeriod: { start: string; end: string };
    let chargeEnd: string;
    if (line.sourceKind === 'focus') {
      billingPeriod = { start: line.billingPeriodStart ?? '', end: line.billingPeriodEnd ?? '' };
      chargeEnd = chargeStart ? addDays(chargeStart, 1) : '';
    } else if (line.sourceKind === 'daily-usage') {
      billingPeriod =
        line.billingPeriodStart && line.billingPeriodEnd
          ? { start: line.billingPeriodStart, end: addDays(line.billingPeriodEnd, 1) }
          : monthOf(chargeStart);
      chargeEnd = chargeStart ? addDays(chargeStart, 1) : billingPeriod.end;
    } else {
      // Reconciliation: ChargeStartDate..ChargeEndDate (inclusive) is the charge's period, on the month's invoice.
      billingPeriod = monthOf(chargeStart);
      chargeEnd = line.billingPeriodEnd ? addDays(line.billingPeriodEnd, 1) : billingPeriod.end;
    }
    if (billingPeriod.start) lastPeriod = billingPeriod;
    const account = line.billingAccountId || line.customerId;
    if (account) lastAccount = account;
    if (account && line.billingAccountName) accountNames.set(account, line.billingAccountName);
    const accountName = line.billingAccountName || accountNames.get(account) || '';
    const serviceName = line.meterCategory || line.product || line.sku || line.chargeType || 'Other';
    const serviceCategory =
      allowedServiceCategory(line.serviceCategory) ?? focusServiceCategory(line.meterCategory, line.product, line.sku);
    const resourceId =
      purchase !== undefined ? (line.reservationOrderId ?? '') : unused ? (commitmentId ?? '') : line.resource;
    const arm = armParts(resourceId);
    const resourceType = !resourceId
      ? ''
      : (arm.type ??
        (purchase !== undefined || unused
          ? commitmentType === 'Savings Plan'
            ? 'Microsoft.BillingBenefits/savingsPlanOrders'
            : 'Microsoft.Capacity/reservationOrders'
          : serviceName));
    const resourceName = resourceId ? line.resourceName || (arm.name && arm.name !== resourceId ? arm.name : '') : '';
    const description =
      category === 'Usage'
        ? [line.meterCategory, line.meterSubCategory, line.meterName].filter((s) => s).join(' - ') || line.product
        : [line.product || line.sku || serviceName, line.chargeType ? `(${line.chargeType})` : '']
            .filter((s) => s)
            .join(' ');
    const unit = line.unit || (line.quantity ? 'Units' : '');
    const hasPricing = !isTax && quantity[0] !== undefined;
    const consumed = category === 'Usage' && !unused;
    const region = line.region.trim();
    const subAccount = line.entitlement;
    const tags = Object.keys(line.tags ?? {}).length > 0 ? JSON.stringify(line.tags) : '';
    shares.forEach((s, i) => {
      const b = billed[i] ?? new Dec(0);
      const cells: CsvValue[] = [
        exact(b),
        account,
        accountName,
        line.currency,
        instant(billingPeriod.end),
        instant(billingPeriod.start),
        category,
        '',
        description,
        chargeFrequencyOf(line, category),
        instant(chargeEnd),
        instant(chargeStart),
        commitmentType ? (commitmentType === 'Savings Plan' ? 'Spend' : 'Usage') : '',
        commitmentId ?? '',
        purchase !== undefined ? line.product : '',
        status,
        commitmentType ?? '',
        consumed && quantity[i] ? exact(quantity[i]!, 0) : '',
        consumed && quantity[i] ? unit : '',
        exact(b),
        exact(effective[i]),
        line.invoice,
        INVOICE_ISSUER_NAME,
        retail[i] && !isTax ? exact(retail[i]!) : exact(b),
        line.unitPrice && !isTax ? exact(line.unitPrice, 0) : '',
        line.pricingCurrency || line.currency,
        hasPricing ? exact(quantity[i]!, 0) : '',
        hasPricing ? unit : '',
        PROVIDER_NAME,
        line.publisher || PROVIDER_NAME,
        region ? region.toLowerCase().replace(/\s+/g, '') : '',
        region,
        resourceId,
        resourceName,
        resourceType,
        serviceCategory,
        serviceName,
        isTax ? '' : line.skuId || line.meterId || '',
        isTax || !(line.skuId || line.meterId) ? '' : line.meterName || line.sku,
        subAccount,
        subAccount ? line.entitlementName || subAccount : '',
        tags,
        line.resourceGroup,
        line.meterCategory,
        line.meterSubCategory,
        line.meterId,
        line.sku,
        line.product,
        line.chargeType,
        line.customer,
        line.customerId,
        line.pec ? exact(line.pec, 0) : '',
        line.effectiveUnitPrice ? exact(line.effectiveUnitPrice, 0) : '',
        line.file,
        line.line,
        exact(allocated[i]!),
        ...targetCells(s.target),
        ruleName(s.channel),
      ];
      chunk += csvRow(cells);
    });
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  // Rounding rows: a cent here and there so that each target x rule adds up to the report exactly.
  for (const adj of spreader.finish()) {
    const cells: CsvValue[] = FOCUS_COLUMNS.map(() => '');
    const set = (column: FocusColumn, value: CsvValue): void => {
      cells[FOCUS_COLUMNS.indexOf(column)] = value;
    };
    const billed = billedIsAllocated ? exact(adj.amount) : exact(new Dec(0));
    const [id, name, costCenter] = targetCells(adj.target);
    set('BilledCost', billed);
    set('BillingAccountId', lastAccount);
    set('BillingAccountName', accountNames.get(lastAccount) ?? '');
    set('BillingCurrency', result.currency);
    set('BillingPeriodStart', instant(lastPeriod.start));
    set('BillingPeriodEnd', instant(lastPeriod.end));
    set('ChargePeriodStart', instant(lastPeriod.start));
    set('ChargePeriodEnd', instant(lastPeriod.end));
    set('ChargeCategory', 'Adjustment');
    set('ChargeDescription', `Chargeback rounding of ${id || 'unallocated'} x ${ruleName(adj.channel)}`);
    set('ChargeFrequency', 'One-Time');
    set('ContractedCost', billed);
    set('EffectiveCost', billed);
    set('ListCost', billed);
    set('InvoiceIssuerName', INVOICE_ISSUER_NAME);
    set('PricingCurrency', result.currency);
    set('ProviderName', PROVIDER_NAME);
    set('PublisherName', PROVIDER_NAME);
    set('ServiceCategory', 'Other');
    set('ServiceName', 'Chargeback rounding');
    set('x_ChargeType', 'Chargeback rounding');
    set('x_ChargebackAmount', exact(adj.amount));
    set('x_ChargebackTarget', id);
    set('x_ChargebackTargetName', name);
    set('x_ChargebackCostCenter', costCenter);
    set('x_ChargebackRule', ruleName(adj.channel));
    chunk += csvRow(cells);
  }
  if (chunk) yield chunk;
}

/** The whole CSV as one string (small inputs and tests). */
export async function focusCsv(
  result: AllocationResult,
  model: RulesFile,
  lines: Iterable<CostLine> | AsyncIterable<CostLine>,
): Promise<string> {
  let out = '';
  for await (const chunk of focusCsvChunks(result, model, lines)) out += chunk;
  return out;
}
