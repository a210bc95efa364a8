/**
 * Builds small, readable billing files for tests: name the few cells a test is about, the rest get consistent
 * defaults (one customer, one Azure plan, one meter at 0.868 USD with 15% PEC, FX 1).
 */
import { DAILY_USAGE_COLUMNS, RECONCILIATION_COLUMNS } from '../../src/core/billing/fileKinds';

export type Cells = Record<string, string>;

export const DAILY_DEFAULTS: Cells = {
  PartnerId: 'p-1',
  PartnerName: 'Partner',
  CustomerId: 'c-1',
  CustomerName: 'Contoso',
  CustomerDomainName: 'contoso.example',
  CustomerCountry: 'US',
  MpnId: '1',
  Tier2MpnId: '',
  InvoiceNumber: 'G000000001',
  ProductId: 'DZH318Z0BQ3Q',
  SkuId: '0001',
  AvailabilityId: 'A1',
  SkuName: 'Standard',
  ProductName: 'Virtual Machines',
  PublisherName: 'Microsoft',
  PublisherId: '',
  SubscriptionDescription: 'Azure plan',
  SubscriptionId: 's-1',
  ChargeStartDate: '2026-08-01',
  ChargeEndDate: '2026-08-31',
  UsageDate: '2026-08-03',
  MeterType: '1 Compute Hour',
  MeterCategory: 'Virtual Machines',
  MeterId: 'm-1',
  MeterSubCategory: 'Dv5 Series',
  MeterName: 'D2s v5',
  MeterRegion: 'EU West',
  Unit: '1 Hour',
  ResourceLocation: 'westeurope',
  ConsumedService: 'Microsoft.Compute',
  ResourceGroup: 'rg-web',
  ResourceURI: '/subscriptions/e-1/resourceGroups/rg-web/vm1',
  ChargeType: 'new',
  UnitPrice: '0.868',
  Quantity: '29',
  UnitType: '1 Hour',
  BillingPreTaxTotal: '21.39',
  BillingCurrency: 'USD',
  PricingPreTaxTotal: '21.39',
  PricingCurrency: 'USD',
  ServiceInfo1: '',
  ServiceInfo2: '',
  Tags: '{"team":"web"}',
  AdditionalInfo: '',
  EffectiveUnitPrice: '0.737586206896552',
  PCToBCExchangeRate: '1',
  PCToBCExchangeRateDate: '2026-07-30',
  EntitlementId: 'e-1',
  EntitlementDescription: 'contoso-web',
  PartnerEarnedCreditPercentage: '0.15',
  CreditPercentage: '0',
  CreditType: 'Partner Earned Credit Applied',
  BenefitOrderId: '',
  BenefitId: '',
  BenefitType: '',
};

export const RECON_DEFAULTS: Cells = {
  PartnerId: 'p-1',
  CustomerId: 'c-1',
  CustomerName: 'Contoso',
  CustomerDomainName: 'contoso.example',
  CustomerCountry: 'US',
  InvoiceNumber: 'G000000001',
  MpnId: '1',
  ResellerMpnId: '',
  OrderId: 'o-1',
  OrderDate: '2026-08-01',
  ProductId: 'DZH318Z0BQ3Q',
  SkuId: '0001',
  AvailabilityId: 'A1',
  SkuName: 'D2s v5',
  ProductName: 'Virtual Machines',
  ChargeType: 'usage',
  UnitPrice: '0.868',
  Quantity: '1',
  Subtotal: '410.17',
  TaxTotal: '0.00',
  Total: '410.17',
  Currency: 'USD',
  PriceAdjustmentDescription: '["15.0% Partner earned credit for services managed"]',
  PublisherName: 'Microsoft',
  PublisherId: '',
  SubscriptionDescription: 'Azure plan',
  SubscriptionId: 's-1',
  ChargeStartDate: '2026-08-01',
  ChargeEndDate: '2026-08-31',
  TermAndBillingCycle: '',
  EffectiveUnitPrice: '0.737782122900436',
  UnitType: '1 Hour',
  AlternateId: 'x',
  BillableQuantity: '555.950039',
  BillingFrequency: '',
  PricingCurrency: 'USD',
  PCToBCExchangeRate: '1',
  PCToBCExchangeRateDate: '2026-07-30',
  MeterDescription: 'Virtual Machines - D2s v5',
  ReservationOrderId: '',
  CreditReasonCode: '',
  SubscriptionStartDate: '',
  SubscriptionEndDate: '',
  ReferenceId: '',
  ProductQualifiers: '',
  PromotionId: '',
};

function quote(v: string, delimiter: string): string {
  return /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csv(
  columns: readonly string[],
  defaults: Cells,
  rows: Cells[],
  opts: { delimiter?: string; eol?: string; bom?: boolean } = {},
): string {
  const d = opts.delimiter ?? ',';
  const eol = opts.eol ?? '\r\n';
  const lines = [columns.join(d), ...rows.map((r) => columns.map((c) => quote(r[c] ?? defaults[c] ?? '', d)).join(d))];
  return (opts.bom ? '\uFEFF' : '') + lines.join(eol) + eol;
}

export function dailyCsv(rows: Cells[], opts?: { delimiter?: string; eol?: string; bom?: boolean }): string {
  return csv(DAILY_USAGE_COLUMNS, DAILY_DEFAULTS, rows, opts);
}

export function reconCsv(rows: Cells[], opts?: { delimiter?: string; eol?: string; bom?: boolean }): string {
  return csv(RECONCILIATION_COLUMNS, RECON_DEFAULTS, rows, opts);
}
