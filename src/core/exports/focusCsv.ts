/**
 * Allocated cost lines as FOCUS CSV: every cost line again (read a second time, streamed), cut into one row per
 * target it went to, with `x_ChargebackTarget` and `x_ChargebackRule`. Columns follow the Partner Center -> FOCUS
 * mapping of the domain page (section 4). Lines that a split, an amortized commitment or kept PEC spread over
 * several targets are cut so that the pieces of a line add up to the line exactly; the allocated amount is cut by
 * error diffusion and closed with a few rounding rows (ChargeCategory Adjustment, no source line), so that the rows
 * of each target x rule add up to exactly the report's amount. Each money column adds up to the source:
 * `x_ChargebackAmount` to the source total, `BilledCost` to the billed total (the same with `amount: billed`).
 */
import type Decimal from 'decimal.js';
import { AmountSpreader, LineApportioner, apportion } from '../allocation/apportion';
import type { CostLine } from '../allocation/costLine';
import { Dec } from '../money';
import type { RulesFile } from '../allocation/model';
import { PEC_LABEL, UNMATCHED_LABEL, UNUSED_COMMITMENT_LABEL, UNMATCHED, UNUSED_COMMITMENT } from '../allocation/result';
import type { AllocationResult } from '../allocation/result';
import { csvRow, exact } from './csv';
import type { CsvValue } from './csv';

export const FOCUS_COLUMNS = [
  'BillingAccountId',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'InvoiceId',
  'SubAccountId',
  'SubAccountName',
  'ResourceId',
  'ResourceName',
  'RegionName',
  'ServiceName',
  'SkuMeter',
  'PublisherName',
  'PricingQuantity',
  'PricingUnit',
  'ListUnitPrice',
  'ListCost',
  'BilledCost',
  'EffectiveCost',
  'CommitmentDiscountId',
  'CommitmentDiscountStatus',
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

/** The next calendar day of an ISO date (FOCUS periods are half-open: End is exclusive). */
function nextDay(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
  return d.toISOString().slice(0, 10);
}

/** Streams the CSV text (header first) of the allocated cost lines. */
export async function* focusCsvChunks(
  result: AllocationResult,
  model: RulesFile,
  lines: Iterable<CostLine> | AsyncIterable<CostLine>,
): AsyncGenerator<string> {
  const apportioner = new LineApportioner(model, result);
  const spreader = new AmountSpreader(result);
  const billedIsAllocated = result.amountKind === 'billed';
  const targets = apportioner.rules.targets;
  const ruleName = (channel: number): string =>
    channel >= 0 ? apportioner.rules.rules[channel].name : channel === UNMATCHED ? UNMATCHED_LABEL : channel === UNUSED_COMMITMENT ? UNUSED_COMMITMENT_LABEL : PEC_LABEL;
  yield csvRow([...FOCUS_COLUMNS]);
  let chunk = '';
  for await (const line of lines) {
    const shares = apportioner.sharesOf(line);
    if (!shares) continue;
    const fractions = shares.map((s) => s.fraction);
    const cut = (x: Decimal | undefined): (Decimal | undefined)[] => (x ? apportion(x, fractions) : shares.map(() => undefined));
    const allocated = spreader.spread(apportioner.amountOf(line), shares);
    const billed = billedIsAllocated && apportioner.amountOf(line) === line.billed ? allocated : cut(line.billed);
    const effective = cut(line.effective);
    const retail = cut(line.retail);
    const quantity = line.quantity ? apportion(line.quantity, fractions, 0) : shares.map(() => undefined);
    const chargeStart = line.date ?? '';
    const chargeEnd = line.sourceKind === 'daily-usage' || line.sourceKind === 'focus' ? (chargeStart ? nextDay(chargeStart) : '') : line.billingPeriodEnd ?? '';
    const tags = Object.keys(line.tags ?? {}).length > 0 ? JSON.stringify(line.tags) : '';
    shares.forEach((share, i) => {
      const target = share.target === undefined ? undefined : targets[share.target];
      const cells: CsvValue[] = [
        line.billingAccountId ?? '',
        line.currency,
        line.billingPeriodStart ?? '',
        line.billingPeriodEnd ?? '',
        chargeStart,
        chargeEnd,
        line.chargeCategory ?? '',
        line.invoice,
        line.entitlement,
        line.entitlementName,
        line.resource,
        line.resourceName ?? '',
        line.region,
        line.meterCategory,
        line.meterName,
        line.publisher ?? '',
        quantity[i] ? exact(quantity[i]!, 0) : '',
        line.unit ?? '',
        line.unitPrice ? exact(line.unitPrice, 0) : '',
        retail[i] ? exact(retail[i]!) : '',
        billed[i] ? exact(billed[i]!) : '',
        effective[i] ? exact(effective[i]!) : '',
        line.benefitId || line.benefitOrderId || line.reservationOrderId || '',
        line.commitmentStatus ?? '',
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
        target?.id ?? '',
        target?.name?.value ?? (target ? '' : '(unallocated)'),
        target?.costCenter?.value ?? '',
        ruleName(share.channel),
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
    const target = adj.target === undefined ? undefined : targets[adj.target];
    const cells: CsvValue[] = FOCUS_COLUMNS.map(() => '');
    const set = (column: (typeof FOCUS_COLUMNS)[number], value: CsvValue): void => {
      cells[FOCUS_COLUMNS.indexOf(column)] = value;
    };
    set('BillingCurrency', result.currency);
    set('ChargeCategory', 'Adjustment');
    set('x_ChargeType', 'Chargeback rounding');
    set('BilledCost', billedIsAllocated ? exact(adj.amount) : exact(new Dec(0)));
    set('x_ChargebackAmount', exact(adj.amount));
    set('x_ChargebackTarget', target?.id ?? '');
    set('x_ChargebackTargetName', target?.name?.value ?? (target ? '' : '(unallocated)'));
    set('x_ChargebackCostCenter', target?.costCenter?.value ?? '');
    set('x_ChargebackRule', ruleName(adj.channel));
    chunk += csvRow(cells);
  }
  if (chunk) yield chunk;
}

/** The whole CSV as one string (small inputs and tests). */
export async function focusCsv(result: AllocationResult, model: RulesFile, lines: Iterable<CostLine> | AsyncIterable<CostLine>): Promise<string> {
  let out = '';
  for await (const chunk of focusCsvChunks(result, model, lines)) out += chunk;
  return out;
}
