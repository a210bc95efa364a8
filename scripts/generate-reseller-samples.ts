/**
 * Generates the reseller sample in samples/reseller/: August 2026 of a CSP partner that re-invoices Azure plan to
 * three customers, once as unbilled data (draft invoices) and once as billed data (final invoices), plus the rules
 * file whose `invoicing:` section says how. The month holds the cases of the reseller platform's rules:
 *   - Fabrikam: a shared reservation whose first subscription was deleted on the 2nd, markups per class, seats, one
 *     prepaid subscription beside postpaid ones (two invoices under per-payment-model grouping);
 *   - Tailspin Toys (postpaid): a cancelled reservation's refund that takes the final invoice below zero (no payment
 *     due), and third-party (marketplace) usage;
 *   - Wide World Importers (prepaid, one invoice per subscription): savings plan usage, a savings plan refund and a
 *     refund of main consumption that takes one invoice below zero (the prepaid balance goes up).
 * Between draft and final: the closed month's prices (EUP exactly UnitPrice x (1 - PEC) instead of the intra-month
 * rounded-down value), usage that arrived late, and the refunds.
 *
 * Rows carry the traits of real exports (domain page, section 1a): BenefitType "Charge" with an empty BenefitId on
 * ordinary usage, CreditPercentage equal to PEC with CreditType "Partner Earned Credit Applied", totals not rounded to
 * cents, MM/DD/YYYY dates, BenefitId before BenefitOrderId, UTF-8 with BOM and CRLF. Byte-for-byte deterministic: no
 * clock, no randomness but a hash of stable labels, Decimal for every amount. test/unit/resellerSamples.test.ts
 * regenerates the files in memory and compares them with the committed ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Decimal from 'decimal.js';
import { Dec, floorCents } from '../src/core/money';
import { DAILY_COLUMNS, RECON_COLUMNS } from './generate-samples';

/** The column orders of the main sample month: the core's lists, in the order of a real billed export. */
export const RESELLER_DAILY_COLUMNS = DAILY_COLUMNS;
export const RESELLER_RECON_COLUMNS = RECON_COLUMNS;

type DailyColumn = (typeof RESELLER_DAILY_COLUMNS)[number];
type ReconColumn = (typeof RESELLER_RECON_COLUMNS)[number];

/** Paths of the generated files, relative to samples/reseller/. */
export const RESELLER_PATHS = {
  rules: 'northwind-resale.chargeback.yaml',
  draftDaily: 'billing/2026-08-unbilled/DailyRatedUsage_2026-08_unbilled.csv',
  draftRecon: 'billing/2026-08-unbilled/InvoiceReconciliation_2026-08_unbilled.csv',
  finalDaily: 'billing/2026-08/DailyRatedUsage_2026-08.csv',
  finalRecon: 'billing/2026-08/InvoiceReconciliation_2026-08.csv',
} as const;

// ---- stable ids ------------------------------------------------------------------------------------------------

function hash32(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3's finalizer: similar labels get unrelated ids.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A GUID-shaped id derived from a label: the same label gives the same id in every run. */
export function resellerGuid(label: string): string {
  let hex = '';
  for (let i = 0; hex.length < 32; i++) hex += hash32(`${label}#${i}`).toString(16).padStart(8, '0');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const parts = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ];
  return parts.join('-');
}

function code(label: string, length: number): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTVWXZ';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[hash32(`${label}@${i}`) % alphabet.length];
  return out;
}

// ---- the partner, its customers and what they use ---------------------------------------------------------------

const PARTNER = { id: resellerGuid('partner'), name: 'Northwind Cloud Solutions GmbH', mpn: '6128834' };
const FX = new Dec('0.921434');
const FX_DATE = '07/29/2026';
const INVOICE = 'G051902477';
const DAYS = 31;

interface Sub {
  label: string;
  id: string;
  name: string;
}
interface Customer {
  label: string;
  id: string;
  name: string;
  domain: string;
  country: string;
  plan: string;
  subs: Record<string, Sub>;
}

function customer(label: string, name: string, domain: string, country: string, subs: string[]): Customer {
  const out: Customer = {
    label,
    id: resellerGuid(`customer ${label}`),
    name,
    domain,
    country,
    plan: resellerGuid(`azure plan ${label}`),
    subs: {},
  };
  for (const s of subs) out.subs[s] = { label: s, id: resellerGuid(`subscription ${s}`), name: s };
  return out;
}

export const FABRIKAM = customer('fabrikam', 'Fabrikam Süd GmbH', 'fabrikamsued.onmicrosoft.com', 'DE', [
  'fabrikam-legacy',
  'fabrikam-prod',
  'fabrikam-dev',
]);
export const TAILSPIN = customer('tailspin', 'Tailspin Toys', 'tailspintoys.onmicrosoft.com', 'AT', ['tailspin-main']);
export const WIDEWORLD = customer('wideworld', 'Wide World Importers', 'wwimporters.onmicrosoft.com', 'CH', [
  'wwi-shop',
  'wwi-data',
]);

export const FABRIKAM_RESERVATION = resellerGuid('reservation order fabrikam d4s');
export const TAILSPIN_RESERVATION = resellerGuid('reservation order tailspin e8s');
export const WIDEWORLD_SAVINGS_PLAN = resellerGuid('savings plan order wideworld');
const FABRIKAM_SEATS = resellerGuid('seats fabrikam m365');

interface MeterSpec {
  label: string;
  category: string;
  subCategory: string;
  name: string;
  sku: string;
  product: string;
  unit: string;
  unitType: string;
  unitPrice: string;
  service: string;
  publisher?: string;
}

const METERS: Record<string, MeterSpec> = {
  d4s: {
    label: 'd4s',
    category: 'Virtual Machines',
    subCategory: 'Dsv5 Series',
    name: 'D4s v5',
    sku: 'D4s v5',
    product: 'Virtual Machines Dsv5 Series',
    unit: '1 Hour',
    unitType: '1 Hour',
    unitPrice: '0.192',
    service: 'Microsoft.Compute',
  },
  d2s: {
    label: 'd2s',
    category: 'Virtual Machines',
    subCategory: 'Dsv5 Series',
    name: 'D2s v5',
    sku: 'D2s v5',
    product: 'Virtual Machines Dsv5 Series',
    unit: '1 Hour',
    unitType: '1 Hour',
    unitPrice: '0.096',
    service: 'Microsoft.Compute',
  },
  p1v3: {
    label: 'p1v3',
    category: 'Azure App Service',
    subCategory: 'Premium v3 Plan',
    name: 'P1 v3 App',
    sku: 'P1 v3',
    product: 'Azure App Service Premium v3 Plan',
    unit: '1 Hour',
    unitType: '1 Hour',
    unitPrice: '0.2',
    service: 'Microsoft.Web',
  },
  lrs: {
    label: 'lrs',
    category: 'Storage',
    subCategory: 'General Block Blob v2',
    name: 'Hot LRS Data Stored',
    sku: 'Hot LRS',
    product: 'General Block Blob v2',
    unit: '1 GB/Month',
    unitType: '1 GB/Month',
    unitPrice: '0.0208',
    service: 'Microsoft.Storage',
  },
  sql: {
    label: 'sql',
    category: 'SQL Database',
    subCategory: 'General Purpose - Compute Gen5',
    name: 'vCore',
    sku: '2 vCore',
    product: 'SQL Database Single General Purpose Compute Gen5',
    unit: '1 Hour',
    unitType: '1 Hour',
    unitPrice: '0.5044',
    service: 'Microsoft.Sql',
  },
  ubuntu: {
    label: 'ubuntu',
    category: 'Virtual Machine Licenses',
    subCategory: 'Ubuntu Pro',
    name: 'Ubuntu Pro 2 vCPU',
    sku: 'Ubuntu Pro 22.04 LTS',
    product: 'Ubuntu Pro 22.04 LTS',
    unit: '1 Hour',
    unitType: '1 Hour',
    unitPrice: '0.01',
    service: 'Microsoft.Compute',
    publisher: 'Canonical',
  },
};

/** One resource's daily use: which days, how much, and what covered it. */
interface UseSpec {
  customer: Customer;
  sub: string;
  meter: string;
  resourceGroup: string;
  resource: string;
  /** Base quantity per day (varied a little per day, deterministically). */
  perDay: string;
  from: number;
  to: number;
  pec: boolean;
  benefit?: { kind: 'Reservation' | 'SavingsPlan'; order: string };
  /** Days that only the billed (final) data has: usage that arrived late. */
  lateDays?: number[];
  tags?: Record<string, string>;
}

const USES: UseSpec[] = [
  // Fabrikam: the shared D4s v5 reservation covered fabrikam-legacy until it was deleted on the 2nd, then
  // fabrikam-prod.
  {
    customer: FABRIKAM,
    sub: 'fabrikam-legacy',
    meter: 'd4s',
    resourceGroup: 'rg-legacy',
    resource: 'vm-legacy-01',
    perDay: '24',
    from: 1,
    to: 2,
    pec: false,
    benefit: { kind: 'Reservation', order: FABRIKAM_RESERVATION },
  },
  {
    customer: FABRIKAM,
    sub: 'fabrikam-legacy',
    meter: 'lrs',
    resourceGroup: 'rg-legacy',
    resource: 'stlegacy01',
    perDay: '40.5',
    from: 1,
    to: 2,
    pec: true,
  },
  {
    customer: FABRIKAM,
    sub: 'fabrikam-prod',
    meter: 'd4s',
    resourceGroup: 'rg-prod',
    resource: 'vm-prod-01',
    perDay: '24',
    from: 2,
    to: 31,
    pec: false,
    benefit: { kind: 'Reservation', order: FABRIKAM_RESERVATION },
  },
  {
    customer: FABRIKAM,
    sub: 'fabrikam-prod',
    meter: 'p1v3',
    resourceGroup: 'rg-prod',
    resource: 'asp-prod',
    perDay: '24',
    from: 1,
    to: 31,
    pec: true,
    tags: { app: 'shop' },
  },
  {
    customer: FABRIKAM,
    sub: 'fabrikam-prod',
    meter: 'lrs',
    resourceGroup: 'rg-prod',
    resource: 'stprod01',
    perDay: '310',
    from: 1,
    to: 31,
    pec: true,
    lateDays: [31],
  },
  {
    customer: FABRIKAM,
    sub: 'fabrikam-dev',
    meter: 'd2s',
    resourceGroup: 'rg-dev',
    resource: 'vm-dev-01',
    perDay: '9.5',
    from: 1,
    to: 31,
    pec: true,
  },
  // Tailspin: a little App Service and third-party Ubuntu Pro licences.
  {
    customer: TAILSPIN,
    sub: 'tailspin-main',
    meter: 'p1v3',
    resourceGroup: 'rg-web',
    resource: 'asp-web',
    perDay: '4',
    from: 1,
    to: 31,
    pec: true,
  },
  {
    customer: TAILSPIN,
    sub: 'tailspin-main',
    meter: 'ubuntu',
    resourceGroup: 'rg-web',
    resource: 'vm-build',
    perDay: '20',
    from: 1,
    to: 31,
    pec: false,
  },
  // Wide World: savings plan covered VMs in the shop, SQL and storage.
  {
    customer: WIDEWORLD,
    sub: 'wwi-shop',
    meter: 'd2s',
    resourceGroup: 'rg-shop',
    resource: 'vm-shop-01',
    perDay: '24',
    from: 1,
    to: 31,
    pec: false,
    benefit: { kind: 'SavingsPlan', order: WIDEWORLD_SAVINGS_PLAN },
  },
  {
    customer: WIDEWORLD,
    sub: 'wwi-shop',
    meter: 'sql',
    resourceGroup: 'rg-shop',
    resource: 'sql-shop',
    perDay: '12',
    from: 1,
    to: 31,
    pec: true,
  },
  {
    customer: WIDEWORLD,
    sub: 'wwi-data',
    meter: 'lrs',
    resourceGroup: 'rg-data',
    resource: 'stdata01',
    perDay: '95',
    from: 1,
    to: 31,
    pec: true,
    lateDays: [30, 31],
  },
];

// ---- rows ------------------------------------------------------------------------------------------------------

const mmdd = (day: number): string => `08/${String(day).padStart(2, '0')}/2026`;
const iso = (day: number): string => `2026-08-${String(day).padStart(2, '0')}`;

/** Quantity of a day: the base, varied by up to +-10% in whole thousandths, from a hash (never a float). */
function quantityOf(u: UseSpec, day: number): Decimal {
  const base = new Dec(u.perDay);
  if (u.benefit || base.eq(24)) return base;
  const permille = (hash32(`${u.resource} ${day}`) % 201) - 100;
  return base
    .times(1000 + permille)
    .div(1000)
    .toDecimalPlaces(6);
}

/** As real exports print totals: not rounded to cents, without trailing zeros, "0" for nothing. */
function amountText(d: Decimal): string {
  return d.toDecimalPlaces(8).toFixed();
}

interface DailyRow {
  use: UseSpec;
  day: number;
  quantity: Decimal;
}

function dailyRows(final: boolean): DailyRow[] {
  const rows: DailyRow[] = [];
  for (let day = 1; day <= DAYS; day++) {
    for (const use of USES) {
      if (day < use.from || day > use.to) continue;
      if (!final && use.lateDays?.includes(day)) continue;
      rows.push({ use, day, quantity: quantityOf(use, day) });
    }
  }
  return rows;
}

/**
 * The effective unit price of a row: billed (closed month) exactly UnitPrice x (1 - PEC); unbilled, the value of its
 * day, BC_d / BCU_d with BC_d = FLOOR(UnitPrice x BCU_d x (1 - PEC), 2) over the month-to-date units (domain page,
 * section 2).
 */
function effectivePrices(rows: readonly DailyRow[], final: boolean): Map<DailyRow, Decimal> {
  const out = new Map<DailyRow, Decimal>();
  // BCU_d: the meter's units month to date through the end of day d (every row of that day counts).
  const keyOf = (r: DailyRow): string => `${r.use.customer.label}|${r.use.meter}|${r.use.pec}`;
  const perDay = new Map<string, Decimal>();
  for (const r of rows) {
    if (r.use.benefit) continue;
    const k = `${keyOf(r)}|${r.day}`;
    perDay.set(k, (perDay.get(k) ?? new Dec(0)).plus(r.quantity));
  }
  const monthToDate = (r: DailyRow): Decimal => {
    let units = new Dec(0);
    for (let day = 1; day <= r.day; day++) units = units.plus(perDay.get(`${keyOf(r)}|${day}`) ?? 0);
    return units;
  };
  for (const r of rows) {
    if (r.use.benefit) {
      out.set(r, new Dec(0));
      continue;
    }
    const price = new Dec(METERS[r.use.meter].unitPrice).times(r.use.pec ? '0.85' : '1');
    if (final) out.set(r, price);
    else {
      const units = monthToDate(r);
      out.set(r, floorCents(price.times(units)).div(units).toDecimalPlaces(15));
    }
  }
  return out;
}

function dailyCells(r: DailyRow, eup: Decimal, final: boolean): Record<DailyColumn, string> {
  const u = r.use;
  const c = u.customer;
  const m = METERS[u.meter];
  const sub = c.subs[u.sub];
  const pricing = eup.times(r.quantity);
  const billing = pricing.times(FX);
  const benefit = u.benefit;
  const armSub = `/subscriptions/${sub.id}/resourceGroups/${u.resourceGroup}/providers/${m.service}`;
  return {
    PartnerId: PARTNER.id,
    PartnerName: PARTNER.name,
    CustomerId: c.id,
    CustomerName: c.name,
    CustomerDomainName: c.domain,
    CustomerCountry: c.country,
    MpnId: PARTNER.mpn,
    Tier2MpnId: final ? PARTNER.mpn : '',
    InvoiceNumber: final ? INVOICE : '',
    ProductId: code(`product ${m.label}`, 12),
    SkuId: code(`sku ${m.label}`, 4),
    AvailabilityId: code(`availability ${m.label}`, 12),
    SkuName: m.sku,
    ProductName: m.product,
    PublisherName: m.publisher ?? 'Microsoft',
    PublisherId: m.publisher ? resellerGuid(`publisher ${m.publisher}`) : '',
    SubscriptionDescription: 'Azure plan',
    SubscriptionId: c.plan,
    ChargeStartDate: '08/01/2026',
    ChargeEndDate: '08/31/2026',
    UsageDate: mmdd(r.day),
    MeterType: m.name,
    MeterCategory: m.category,
    MeterId: resellerGuid(`meter ${m.label}`),
    MeterSubCategory: m.subCategory,
    MeterName: m.name,
    MeterRegion: 'EU West',
    Unit: m.unit,
    ResourceLocation: 'westeurope',
    ConsumedService: m.service,
    ResourceGroup: u.resourceGroup,
    ResourceURI: `${armSub}/${u.resource}`,
    ChargeType: 'new',
    UnitPrice: m.unitPrice,
    Quantity: r.quantity.toFixed(),
    UnitType: m.unitType,
    BillingPreTaxTotal: amountText(billing),
    BillingCurrency: 'EUR',
    PricingPreTaxTotal: amountText(pricing),
    PricingCurrency: 'USD',
    ServiceInfo1: '',
    ServiceInfo2: '',
    Tags: u.tags ? JSON.stringify(u.tags) : '',
    AdditionalInfo: '',
    EffectiveUnitPrice: eup.toFixed(),
    PCToBCExchangeRate: FX.toFixed(),
    PCToBCExchangeRateDate: FX_DATE,
    EntitlementId: sub.id,
    EntitlementDescription: sub.name,
    PartnerEarnedCreditPercentage: u.pec ? '15' : '',
    CreditPercentage: u.pec ? '15' : '',
    CreditType: u.pec ? 'Partner Earned Credit Applied' : 'Credit Not Applied',
    BenefitId: benefit ? benefitPath(benefit) : '',
    BenefitOrderId: benefit ? benefit.order : '',
    BenefitType: benefit ? benefit.kind : 'Charge',
  };
}

/** The ARM path of the reservation or savings plan that covered a row (its BenefitId). */
function benefitPath(benefit: NonNullable<UseSpec['benefit']>): string {
  const reservation = benefit.kind === 'Reservation';
  const orders = reservation ? 'Capacity/reservationOrders' : 'BillingBenefits/savingsPlanOrders';
  const item = reservation ? 'reservations' : 'savingsPlans';
  return `/providers/Microsoft.${orders}/${benefit.order}/${item}/${resellerGuid(`benefit ${benefit.order}`)}`;
}

/** A refund of main consumption (a service credit for an outage), only in the billed data. */
function consumptionRefund(): Record<DailyColumn, string> {
  const r: DailyRow = { use: USES.find((u) => u.sub === 'wwi-data')!, day: 28, quantity: new Dec('-3300') };
  const cells = dailyCells(r, new Dec('0.0208').times('0.85'), true);
  return {
    ...cells,
    ChargeType: 'refund',
    AdditionalInfo: '{"RefundReason":"Service credit: storage outage 08/27/2026"}',
  };
}

// ---- reconciliation lines: purchases, seats and refunds ---------------------------------------------------------

interface ReconSpec {
  customer: Customer;
  product: string;
  sku: string;
  chargeType: string;
  unitPrice: string;
  quantity: string;
  currency: 'EUR';
  pricingCurrency: 'USD' | 'EUR';
  reservationOrder?: string;
  subscriptionId: string;
  subscriptionDescription: string;
  term: string;
  unitType: string;
  billingFrequency: string;
  /** Only in the billed data. */
  finalOnly?: boolean;
  creditReason?: string;
}

const RECON: ReconSpec[] = [
  {
    customer: FABRIKAM,
    product: 'Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year',
    sku: 'Standard_D4s_v5 EU West 1 Year',
    chargeType: 'cycleCharge',
    unitPrice: '91.25',
    quantity: '1',
    currency: 'EUR',
    pricingCurrency: 'USD',
    reservationOrder: FABRIKAM_RESERVATION,
    subscriptionId: resellerGuid('ri subscription fabrikam'),
    subscriptionDescription: 'Reserved VM Instance',
    term: 'One-Year',
    unitType: '1 Month',
    billingFrequency: 'Monthly',
  },
  {
    customer: FABRIKAM,
    product: 'Microsoft 365 Business Premium',
    sku: 'Microsoft 365 Business Premium',
    chargeType: 'cycleCharge',
    unitPrice: '20.60',
    quantity: '12',
    currency: 'EUR',
    pricingCurrency: 'EUR',
    subscriptionId: FABRIKAM_SEATS,
    subscriptionDescription: 'Microsoft 365 Business Premium',
    term: 'One-Year',
    unitType: 'Licenses',
    billingFrequency: 'Monthly',
  },
  {
    customer: TAILSPIN,
    product: 'Reserved VM Instance, Standard_E8s_v5, EU West, 1 Year',
    sku: 'Standard_E8s_v5 EU West 1 Year',
    chargeType: 'cancelImmediate',
    unitPrice: '-990.20',
    quantity: '1',
    currency: 'EUR',
    pricingCurrency: 'USD',
    reservationOrder: TAILSPIN_RESERVATION,
    subscriptionId: resellerGuid('ri subscription tailspin'),
    subscriptionDescription: 'Reserved VM Instance',
    term: 'One-Year',
    unitType: '1 Month',
    billingFrequency: 'OneTime',
    finalOnly: true,
    creditReason: 'Reservation cancelled: prorated refund',
  },
  {
    customer: WIDEWORLD,
    product: 'Azure savings plan for compute',
    sku: 'Savings plan 1 Year 1.50 USD/hour',
    chargeType: 'cycleCharge',
    unitPrice: '1095',
    quantity: '1',
    currency: 'EUR',
    pricingCurrency: 'USD',
    reservationOrder: WIDEWORLD_SAVINGS_PLAN,
    subscriptionId: resellerGuid('sp subscription wideworld'),
    subscriptionDescription: 'Azure savings plan for compute',
    term: 'One-Year',
    unitType: '1 Month',
    billingFrequency: 'Monthly',
  },
  {
    customer: WIDEWORLD,
    product: 'Azure savings plan for compute',
    sku: 'Savings plan 1 Year 1.50 USD/hour',
    chargeType: 'customerCredit',
    unitPrice: '-36.50',
    quantity: '1',
    currency: 'EUR',
    pricingCurrency: 'USD',
    reservationOrder: WIDEWORLD_SAVINGS_PLAN,
    subscriptionId: resellerGuid('sp subscription wideworld'),
    subscriptionDescription: 'Azure savings plan for compute',
    term: 'One-Year',
    unitType: '1 Month',
    billingFrequency: 'OneTime',
    finalOnly: true,
    creditReason: 'Savings plan: one day not available',
  },
];

function reconCells(s: ReconSpec, final: boolean): Record<ReconColumn, string> {
  const c = s.customer;
  const fx = s.pricingCurrency === 'USD' ? FX : new Dec(1);
  // ROUNDDOWN(EUP x FX, 2) x quantity, as the documented seat formula (ROUNDDOWN goes towards zero).
  const unit = new Dec(s.unitPrice);
  const subtotal = unit.times(fx).toDecimalPlaces(2, Dec.ROUND_DOWN).times(s.quantity);
  const tax = subtotal.times('0.19').toDecimalPlaces(2, Dec.ROUND_HALF_UP);
  return {
    PartnerId: PARTNER.id,
    CustomerId: c.id,
    CustomerName: c.name,
    CustomerDomainName: c.domain,
    CustomerCountry: c.country,
    InvoiceNumber: final ? INVOICE : '',
    MpnId: PARTNER.mpn,
    ResellerMpnId: '',
    OrderId: code(`order ${s.product} ${c.label}`, 32).toLowerCase(),
    OrderDate: '2026-02-01',
    ProductId: code(`product ${s.product}`, 12),
    SkuId: code(`sku ${s.sku}`, 4),
    AvailabilityId: code(`availability ${s.sku}`, 12),
    SkuName: s.sku,
    ProductName: s.product,
    ChargeType: s.chargeType,
    UnitPrice: s.unitPrice,
    Quantity: s.quantity,
    Subtotal: subtotal.toFixed(2),
    TaxTotal: tax.toFixed(2),
    Total: subtotal.plus(tax).toFixed(2),
    Currency: s.currency,
    PriceAdjustmentDescription: '',
    PublisherName: 'Microsoft',
    PublisherId: '',
    SubscriptionDescription: s.subscriptionDescription,
    SubscriptionId: s.subscriptionId,
    ChargeStartDate: '2026-08-01',
    ChargeEndDate: '2026-08-31',
    TermAndBillingCycle: `${s.term} commitment for monthly/yearly billing`,
    EffectiveUnitPrice: s.unitPrice,
    UnitType: s.unitType,
    AlternateId: code(`alternate ${s.product} ${c.label} ${s.chargeType}`, 12).toLowerCase(),
    BillableQuantity: s.quantity,
    BillingFrequency: s.billingFrequency,
    PricingCurrency: s.pricingCurrency,
    PCToBCExchangeRate: fx.toFixed(),
    PCToBCExchangeRateDate: '2026-07-29',
    MeterDescription: '',
    ReservationOrderId: s.reservationOrder ?? '',
    CreditReasonCode: s.creditReason ?? '',
    SubscriptionStartDate: '2026-02-01',
    SubscriptionEndDate: '2027-01-31',
    ReferenceId: resellerGuid(`reference ${s.product} ${c.label} ${s.chargeType}`),
    ProductQualifiers: '',
    PromotionId: '',
  };
}

// ---- the rules file ---------------------------------------------------------------------------------------------

function rulesYaml(): string {
  const f = FABRIKAM.subs;
  const t = TAILSPIN.subs;
  const w = WIDEWORLD.subs;
  return `# Northwind Cloud Solutions re-invoices Azure plan to three customers (August 2026). Generated by
# scripts/generate-reseller-samples.ts: \`chargeback invoice samples/reseller/${RESELLER_PATHS.rules} --out invoices\`
# makes the draft invoices (unbilled data) and the final ones (billed data), each final showing what changed.
chargeback: 1
name: Northwind resale - August 2026
data:
  - ./billing/2026-08/*.csv          # billed: what the allocation (and the final invoices) read
currency: EUR

targets:
  fabrikam:  { name: Fabrikam Süd GmbH }
  tailspin:  { name: Tailspin Toys }
  wideworld: { name: Wide World Importers }

rules:
  - name: Fabrikam
    match: { customer: "Fabrikam*" }
    to: fabrikam
  - name: Tailspin
    match: { customer: "Tailspin*" }
    to: tailspin
  - name: Wide World
    match: { customer: "Wide World*" }
    to: wideworld

invoicing:
  grouping: per-payment-model
  paymentModel: postpaid
  draft: ./billing/2026-08-unbilled/*.csv
  final: ./billing/2026-08/*.csv
  subscriptionOrder: firstUse        # a shared reservation goes to the first subscription, not Deleted, it applied to
  pec: keep                          # customers pay before partner earned credit; Northwind keeps the credit
  fx: { source: billing }
  prices:
    consumption: { markup: 8 }
    reservation: { markup: 3 }
    savingsPlan: { markup: 2 }
    marketplace: { markup: 12 }
    seats: { markup: 10 }
  customers:
    ${FABRIKAM.id}:                  # Fabrikam Süd GmbH
      subscriptions:
        ${f['fabrikam-legacy'].id}: { name: fabrikam-legacy, status: Deleted }
        ${f['fabrikam-prod'].id}: { name: fabrikam-prod, status: Active }
        ${f['fabrikam-dev'].id}: { name: fabrikam-dev, status: Active, paymentModel: prepaid }
        ${FABRIKAM_SEATS}: { name: Microsoft 365 Business Premium, status: Active }
    Tailspin Toys:
      subscriptions:
        ${t['tailspin-main'].id}: { name: tailspin-main, status: Active }
    Wide World Importers:
      paymentModel: prepaid
      grouping: per-subscription
      prices:
        consumption: { discount: 2 }
      subscriptions:
        ${w['wwi-shop'].id}: { name: wwi-shop, status: Active }
        ${w['wwi-data'].id}: { name: wwi-data, status: Active }
  reservations:
    ${FABRIKAM_RESERVATION}: { scope: shared }
    ${TAILSPIN_RESERVATION}: { scope: ${t['tailspin-main'].id} }
`;
}

// ---- files ------------------------------------------------------------------------------------------------------

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvFile(header: readonly string[], rows: readonly Record<string, string>[]): Buffer {
  const lines = [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h] ?? '')).join(','))];
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

function dailyFile(final: boolean): Buffer {
  const rows = dailyRows(final);
  const eups = effectivePrices(rows, final);
  const cells = rows.map((r) => dailyCells(r, eups.get(r)!, final));
  if (final) cells.push(consumptionRefund());
  return csvFile(RESELLER_DAILY_COLUMNS, cells);
}

function reconFile(final: boolean): Buffer {
  return csvFile(
    RESELLER_RECON_COLUMNS,
    RECON.filter((s) => final || !s.finalOnly).map((s) => reconCells(s, final)),
  );
}

/** Every file of the reseller sample, in memory. */
export function generateResellerSamples(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set(RESELLER_PATHS.rules, Buffer.from(rulesYaml(), 'utf8'));
  files.set(RESELLER_PATHS.draftDaily, dailyFile(false));
  files.set(RESELLER_PATHS.draftRecon, reconFile(false));
  files.set(RESELLER_PATHS.finalDaily, dailyFile(true));
  files.set(RESELLER_PATHS.finalRecon, reconFile(true));
  return files;
}

export function writeResellerSamples(dir: string): string[] {
  const written: string[] = [];
  for (const [rel, content] of generateResellerSamples()) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  }
  return written;
}

/** Usage-day of a row as ISO (for tests that read the files back). */
export const resellerIsoDay = iso;

if (require.main === module) {
  // out/scripts/generate-reseller-samples.js -> the repository's samples/reseller/
  const dir = resolve(__dirname, '..', '..', 'samples', 'reseller');
  for (const p of writeResellerSamples(dir)) process.stdout.write(`wrote ${p}\n`);
}
