/**
 * Generates the demo billing month in samples/: a Partner Center daily rated usage file, the matching new-commerce
 * invoice reconciliation file and the Azure plan price list for July 2026, plus samples/planted-defects.json, the
 * list of errors planted on purpose so that the checker has something real to find.
 *
 * Every number follows the documented rating rules (domain page, section 2) through the project's own formula and
 * money modules, so the files are consistent exactly where a correct checker expects consistency, and wrong only on
 * the planted cells. The output is byte-for-byte deterministic: a seeded PRNG, no clock, Decimal for every amount
 * and quantity (quantities are drawn as whole micro-units, never as floats).
 *
 * `npm run samples` writes the files; test/unit/samples.test.ts regenerates them in memory and compares them with
 * the committed ones, so the samples cannot drift from the generator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Decimal from 'decimal.js';
import { Dec, ONE, ZERO, floorCents, formatPrice, roundCents } from '../src/core/money';
import {
  chargedFraction,
  grossPrice,
  rateCumulative,
  tiersFromRangeMins,
  type PriceTier,
} from '../src/core/rating/formula';
import { DAILY_USAGE_COLUMNS, RECONCILIATION_COLUMNS } from '../src/core/billing/fileKinds';
import { plantTieOutDefect } from './samples/tieOutDefect';

// ---------------------------------------------------------------------------------------------------------------
// Column orders, exactly as the domain page lists them (the checker detects columns by name; we write this order
// because it is what files in the wild show).

// The daily and reconciliation lists are the core's own, so that the samples and the checker never drift. Real billed
// daily exports put BenefitId before BenefitOrderId: the sample does too (the checker finds columns by name).
export const DAILY_COLUMNS = [
  ...DAILY_USAGE_COLUMNS.slice(0, -3),
  'BenefitId',
  'BenefitOrderId',
  'BenefitType',
] as const;
if (DAILY_USAGE_COLUMNS.slice(-3).join() !== 'BenefitOrderId,BenefitId,BenefitType')
  throw new Error('daily column order changed');
export const RECON_COLUMNS = RECONCILIATION_COLUMNS;

export const PRICE_LIST_COLUMNS = [
  'ProductTitle',
  'ProductId',
  'SkuId',
  'SkuTitle',
  'Publisher',
  'SkuDescription',
  'UnitOfMeasure',
  'TermDuration',
  'Market',
  'Currency',
  'UnitPrice',
  'PricingTierRangeMin',
  'PricingTierRangeMax',
  'EffectiveStartDate',
  'EffectiveEndDate',
  'MeterIds',
  'MeterType',
  'Tags',
] as const;

type DailyColumn = (typeof DAILY_COLUMNS)[number];
type ReconColumn = (typeof RECON_COLUMNS)[number];

/** Paths of the generated files, relative to samples/. */
export const SAMPLE_PATHS = {
  daily: 'billing/2026-07/DailyRatedUsage_2026-07.csv',
  recon: 'billing/2026-07/InvoiceReconciliation_2026-07.csv',
  priceList: 'price-list/AzurePlanPriceList_2026-07.csv',
  defects: 'planted-defects.json',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Determinism: our own PRNG (xoshiro128**, seeded through splitmix32) and ids derived from stable labels, so that
// adding a resource does not reshuffle every GUID in the file.

function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private readonly s = new Uint32Array(4);
  constructor(seed: number) {
    const sm = splitmix32(seed);
    for (let i = 0; i < 4; i++) this.s[i] = sm();
  }
  /** Next unsigned 32-bit integer. */
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** Uniform integer in [min, max] (the modulo bias is irrelevant at these ranges). */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }
  /** True with the given probability in percent. */
  chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }
}

/** FNV-1a: a stable 32-bit hash of a label. */
function hash32(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A version-4-shaped GUID derived from a label: the same label gives the same id in every run. */
export function guid(label: string): string {
  const r = new Rng(hash32(label));
  const hex = Array.from({ length: 4 }, () => r.next().toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Orders text by code unit: unlike localeCompare, the same on every machine and locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A code from an alphabet, derived from a label (product ids, order ids, alternate ids). */
function code(label: string, length: number, alphabet = '0123456789ABCDEFGHJKLMNPQRSTVWXZ'): string {
  const r = new Rng(hash32(label));
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[r.next() % alphabet.length];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The billing month and the parties.

const YEAR = 2026;
const MONTH = 7;
const DAYS = 31;
/** One monthly rate for all charges of the month (domain page: mid rate about two business days before month end). */
export const FX = new Dec('0.921434');
const FX_DATE_ISO = '2026-06-26';
const PEC = new Dec('0.15');
const VAT = new Dec('0.19');
const INVOICE = 'G045218973';
const BILLING_CURRENCY = 'EUR';
const PRICING_CURRENCY = 'USD';

const PARTNER = {
  id: guid('partner:northwind'),
  name: 'Northwind Cloud Solutions GmbH',
  mpnId: '6128834',
};

/** The daily file uses US dates with leading zeros (07/01/2026), as real billed exports do; the others use ISO. */
function usDate(month: number, day: number, year = YEAR): string {
  return `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}/${year}`;
}
function isoDate(month: number, day: number, year = YEAR): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
/** 1 July 2026 is a Wednesday; Saturday and Sunday are the days dev machines are off. */
function isWeekend(day: number): boolean {
  const dow = (day - 1 + 3) % 7; // 0 = Sunday
  return dow === 0 || dow === 6;
}

// ---------------------------------------------------------------------------------------------------------------
// Meters and their prices (USD retail, Azure plan price list). A tiered meter's UnitPrice column in the usage and
// recon files is the price of its first tier; the tiers themselves live only in the price list.

export interface Meter {
  key: string;
  id: string;
  category: string;
  subCategory: string;
  name: string;
  region: string;
  unit: string;
  productName: string;
  skuName: string;
  productId: string;
  skuId: string;
  availabilityId: string;
  publisher: string;
  publisherId: string;
  /** Retail price of the first unit (the first tier's price for a tiered meter). */
  unitPrice: Decimal;
  /** Price-list rows: one for a flat meter, one per band for a tiered one. */
  priceRows: { min: Decimal; max: string; price: Decimal }[];
  tiers: PriceTier[];
  /** PEC never applies to Spot VMs or third-party (marketplace) products. */
  pecEligible: boolean;
  priceListTags: string;
}

interface MeterSpec {
  key: string;
  category: string;
  subCategory: string;
  name: string;
  region: string;
  unit: string;
  productName: string;
  skuName: string;
  price: string;
  /** Graduated bands as the price list writes them: [PricingTierRangeMin, PricingTierRangeMax, UnitPrice]. */
  tiers?: [string, string, string][];
  /** The first band is a free monthly allowance (price 0); UnitPrice in the usage files is the paid band's price. */
  allowance?: boolean;
  publisher?: string;
  pecEligible?: boolean;
  priceListTags?: string;
}

function meter(spec: MeterSpec): Meter {
  const publisher = spec.publisher ?? 'Microsoft';
  const priceRows = spec.tiers
    ? spec.tiers.map(([min, max, price]) => ({ min: new Dec(min), max, price: new Dec(price) }))
    : [{ min: ZERO, max: '', price: new Dec(spec.price) }];
  const tiers = spec.tiers ? tiersFromRangeMins(priceRows.map((r) => ({ min: r.min, unitPrice: r.price }))) : [];
  const listed = spec.allowance ? tiers[1] : tiers[0];
  if (spec.allowance && !tiers[0]?.unitPrice.isZero())
    throw new Error(`${spec.key}: an allowance is a first band at 0`);
  if (tiers.length > 0 && !listed.unitPrice.eq(spec.price))
    throw new Error(`${spec.key}: UnitPrice must be the first paid tier's`);
  return {
    key: spec.key,
    id: guid(`meter:${spec.key}`),
    category: spec.category,
    subCategory: spec.subCategory,
    name: spec.name,
    region: spec.region,
    unit: spec.unit,
    productName: spec.productName,
    skuName: spec.skuName,
    productId: `DZH318Z0${code(`product:${spec.productName}`, 4)}`,
    skuId: `0${code(`sku:${spec.key}`, 3)}`,
    availabilityId: `DZH318Z0${code(`availability:${spec.key}`, 4)}`,
    publisher,
    publisherId: publisher === 'Microsoft' ? '' : guid(`publisher:${publisher}`),
    unitPrice: new Dec(spec.price),
    priceRows,
    tiers,
    pecEligible: spec.pecEligible ?? publisher === 'Microsoft',
    priceListTags: spec.priceListTags ?? '',
  };
}

const M = {
  d2sv5: meter({
    key: 'vm-d2sv5',
    category: 'Virtual Machines',
    subCategory: 'Dv5 Series',
    name: 'D2s v5',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Virtual Machines Dv5 Series',
    skuName: 'D2s v5',
    price: '0.096',
  }),
  d4sv5: meter({
    key: 'vm-d4sv5',
    category: 'Virtual Machines',
    subCategory: 'Dv5 Series',
    name: 'D4s v5',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Virtual Machines Dv5 Series',
    skuName: 'D4s v5',
    price: '0.192',
  }),
  d2sv5Spot: meter({
    key: 'vm-d2sv5-spot',
    category: 'Virtual Machines',
    subCategory: 'Dv5 Series',
    name: 'D2s v5 Spot',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Virtual Machines Dv5 Series',
    skuName: 'D2s v5 Spot',
    price: '0.0211',
    pecEligible: false,
    priceListTags: 'Spot',
  }),
  p10: meter({
    key: 'disk-p10',
    category: 'Storage',
    subCategory: 'Premium SSD Managed Disks',
    name: 'P10 LRS Disk',
    region: 'EU West',
    unit: '1/Month',
    productName: 'Premium SSD Managed Disks',
    skuName: 'P10 LRS',
    price: '21.68',
  }),
  e10: meter({
    key: 'disk-e10',
    category: 'Storage',
    subCategory: 'Standard SSD Managed Disks',
    name: 'E10 LRS Disk',
    region: 'EU West',
    unit: '1/Month',
    productName: 'Standard SSD Managed Disks',
    skuName: 'E10 LRS',
    price: '9.6',
  }),
  // Tiered, 0-based bands that these volumes never leave: the checker still needs the list to know it is tiered.
  hotData: meter({
    key: 'blob-hot-lrs-data',
    category: 'Storage',
    subCategory: 'Tiered Block Blob',
    name: 'Hot LRS Data Stored',
    region: 'EU West',
    unit: '1 GB/Month',
    productName: 'General Block Blob v2',
    skuName: 'Hot LRS',
    price: '0.0184',
    tiers: [
      ['0', '51200', '0.0184'],
      ['51200', '512000', '0.0177'],
      ['512000', '', '0.0170'],
    ],
  }),
  hotWrite: meter({
    key: 'blob-hot-lrs-write',
    category: 'Storage',
    subCategory: 'Tiered Block Blob',
    name: 'Hot LRS Write Operations',
    region: 'EU West',
    unit: '10K',
    productName: 'General Block Blob v2',
    skuName: 'Hot LRS Write Operations',
    price: '0.065',
  }),
  hotRead: meter({
    key: 'blob-hot-read',
    category: 'Storage',
    subCategory: 'Tiered Block Blob',
    name: 'Hot Read Operations',
    region: 'EU West',
    unit: '10K',
    productName: 'General Block Blob v2',
    skuName: 'Hot Read Operations',
    price: '0.0052',
  }),
  // Tiered, 1-based bands ("1-100, 101-10240") crossed on the first days of the month: the effective price falls.
  egress: meter({
    key: 'bandwidth-zone1-out',
    category: 'Bandwidth',
    subCategory: 'Rtn Preference: MGN',
    name: 'Standard Data Transfer Out',
    region: 'Zone 1',
    unit: '1 GB',
    productName: 'Bandwidth',
    skuName: 'Standard Data Transfer Out',
    price: '0.087',
    tiers: [
      ['1', '100', '0.087'],
      ['101', '10240', '0.083'],
      ['10241', '51200', '0.07'],
    ],
  }),
  pip: meter({
    key: 'vnet-ipv4-static',
    category: 'Virtual Network',
    subCategory: 'IP Addresses',
    name: 'Standard IPv4 Static Public IP',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Virtual Network IP Addresses',
    skuName: 'Standard IPv4 Static Public IP',
    price: '0.005',
  }),
  // Free monthly allowances, as real files show them: EffectiveUnitPrice 0.00 on the free part of the month.
  laIngest: meter({
    key: 'log-analytics-ingest',
    category: 'Log Analytics',
    subCategory: 'Analytics Logs',
    name: 'Analytics Logs Data Ingestion',
    region: 'EU West',
    unit: '1 GB',
    productName: 'Log Analytics',
    skuName: 'Analytics Logs',
    price: '2.99',
    tiers: [
      ['0', '25', '0'],
      ['25', '', '2.99'],
    ],
    allowance: true,
  }),
  alerts: meter({
    key: 'monitor-metric-alerts',
    category: 'Azure Monitor',
    subCategory: 'Alerts',
    name: 'Metric Alerts Monitored Time Series',
    region: 'EU West',
    unit: '1/Month',
    productName: 'Azure Monitor',
    skuName: 'Metric Alerts',
    price: '0.1',
    tiers: [
      ['0', '10', '0'],
      ['10', '', '0.1'],
    ],
    allowance: true,
  }),
  sqlVcore: meter({
    key: 'sql-gp-gen5-vcore',
    category: 'SQL Database',
    subCategory: 'General Purpose - Compute Gen5',
    name: 'vCore',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'SQL Database Single/Elastic Pool General Purpose - Compute Gen5',
    skuName: 'vCore',
    price: '0.2538',
  }),
  sqlStorage: meter({
    key: 'sql-gp-storage',
    category: 'SQL Database',
    subCategory: 'General Purpose - Storage',
    name: 'General Purpose Data Stored',
    region: 'EU West',
    unit: '1 GB/Month',
    productName: 'SQL Database Single/Elastic Pool General Purpose - Storage',
    skuName: 'General Purpose Data Stored',
    price: '0.127',
  }),
  appP1v3: meter({
    key: 'appservice-p1v3',
    category: 'Azure App Service',
    subCategory: 'Premium v3 Plan',
    name: 'P1 v3 App',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Azure App Service Premium v3 Plan',
    skuName: 'P1 v3',
    price: '0.2',
  }),
  acr: meter({
    key: 'acr-premium',
    category: 'Container Registry',
    subCategory: 'Premium',
    name: 'Premium Registry Unit',
    region: 'EU West',
    unit: '1/Day',
    productName: 'Container Registry',
    skuName: 'Premium',
    price: '1.667',
  }),
  vpnGw1: meter({
    key: 'vpn-gw1',
    category: 'VPN Gateway',
    subCategory: 'VPN Gateway',
    name: 'VpnGw1',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'VPN Gateway',
    skuName: 'VpnGw1',
    price: '0.19',
  }),
  kvOps: meter({
    key: 'keyvault-ops',
    category: 'Key Vault',
    subCategory: 'Standard',
    name: 'Operations',
    region: 'EU West',
    unit: '10K',
    productName: 'Key Vault',
    skuName: 'Standard Operations',
    price: '0.03',
  }),
  // Third-party software billed through the Azure plan: never earns PEC.
  ubuntuPro: meter({
    key: 'canonical-ubuntu-pro-2vcpu',
    category: 'Virtual Machine Licenses',
    subCategory: 'Ubuntu Pro',
    name: 'Ubuntu Pro 22.04 LTS - 2 vCPU',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Ubuntu Pro 22.04 LTS',
    skuName: 'Ubuntu Pro 2 vCPU',
    price: '0.011',
    publisher: 'Canonical',
    priceListTags: 'Marketplace',
  }),
};

/** Meters the price list carries although nobody used them this month (a real price list has thousands). */
const UNUSED_METERS: Meter[] = [
  meter({
    key: 'vm-d8sv5',
    category: 'Virtual Machines',
    subCategory: 'Dv5 Series',
    name: 'D8s v5',
    region: 'EU West',
    unit: '1 Hour',
    productName: 'Virtual Machines Dv5 Series',
    skuName: 'D8s v5',
    price: '0.384',
  }),
  meter({
    key: 'blob-cool-lrs-data',
    category: 'Storage',
    subCategory: 'Tiered Block Blob',
    name: 'Cool LRS Data Stored',
    region: 'EU West',
    unit: '1 GB/Month',
    productName: 'General Block Blob v2',
    skuName: 'Cool LRS',
    price: '0.01',
  }),
  meter({
    key: 'disk-p20',
    category: 'Storage',
    subCategory: 'Premium SSD Managed Disks',
    name: 'P20 LRS Disk',
    region: 'EU West',
    unit: '1/Month',
    productName: 'Premium SSD Managed Disks',
    skuName: 'P20 LRS',
    price: '41.85',
  }),
];

// ---------------------------------------------------------------------------------------------------------------
// Who used what. A customer has one Azure plan (SubscriptionId) holding several Azure subscriptions (EntitlementId).

/** A resource's daily quantity of a meter; undefined: no usage that day. */
type Qty = (day: number, rng: Rng) => Decimal | undefined;

interface Use {
  meter: Meter;
  qty: Qty;
  additionalInfo?: Record<string, unknown>;
}

interface Benefit {
  orderId: string;
  id: string;
  type: string;
}

interface Resource {
  name: string;
  group: string;
  /** Provider namespace and type, e.g. Microsoft.Compute/virtualMachines. */
  type: string;
  tags?: Record<string, string>;
  uses: Use[];
  /** Days on which this resource earns no PEC although eligible (lost admin access, another partner manages it). */
  pecOff?: (day: number) => boolean;
  benefit?: Benefit;
}

interface Entitlement {
  id: string;
  name: string;
  resources: Resource[];
  pecOff?: (day: number) => boolean;
}

interface Customer {
  id: string;
  name: string;
  domain: string;
  country: string;
  plan: { id: string; orderId: string; orderDate: string; startDate: string };
  entitlements: Entitlement[];
}

/** Whole micro-units, so that quantities never pass through a float. */
function micro(rng: Rng, min: string, max: string): Decimal {
  const lo = new Dec(min).times(1e6).toNumber();
  const hi = new Dec(max).times(1e6).toNumber();
  return new Dec(rng.int(lo, hi)).div(1e6);
}
const fixed =
  (q: string): Qty =>
  () =>
    new Dec(q);
/** A monthly unit (disk, alert time series) billed in daily slices of 1/31, printed to 6 decimals as PC does. */
const perMonth =
  (count: string): Qty =>
  () =>
    new Dec(count).div(DAYS).toDecimalPlaces(6, Dec.ROUND_HALF_UP);
/** GB-months: the stored volume (growing linearly through the month) billed as a daily 1/31 slice. */
const storedGb =
  (startGb: string, growthPerDay: string): Qty =>
  (day, rng) =>
    new Dec(startGb)
      .plus(new Dec(growthPerDay).times(day - 1))
      .plus(micro(rng, '0', '3'))
      .div(DAYS)
      .toDecimalPlaces(6, Dec.ROUND_HALF_UP);
const range =
  (min: string, max: string): Qty =>
  (_day, rng) =>
    micro(rng, min, max);
/** VM hours: a full day, now and then less when the machine was deallocated for a while (whole minutes). */
const uptime =
  (count = 1): Qty =>
  (_day, rng) => {
    const minutes = rng.chance(8) ? 1440 - rng.int(15, 600) : 1440;
    return new Dec(minutes * count).div(60).toDecimalPlaces(6, Dec.ROUND_HALF_UP);
  };
const weekdays =
  (q: Qty): Qty =>
  (day, rng) =>
    isWeekend(day) ? undefined : q(day, rng);
const sometimes =
  (percent: number, q: Qty): Qty =>
  (day, rng) =>
    rng.chance(percent) ? q(day, rng) : undefined;

function vmInfo(
  size: string,
  name: string,
  vcpus: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ServiceType: `Standard_${size}`,
    VMName: name,
    VCPUs: vcpus,
    UsageType: 'ComputeHR',
    ImageType: 'Canonical',
    ...extra,
  };
}

const RI_D4 = {
  orderId: guid('reservation-order:contoso-d4sv5'),
  id: guid('reservation:contoso-d4sv5'),
  type: 'Reservation',
};

const CONTOSO: Customer = {
  id: guid('customer:contoso'),
  name: 'Contoso Ltd',
  domain: 'contosoltd.onmicrosoft.com',
  country: 'IE',
  plan: {
    id: guid('plan:contoso'),
    orderId: code('order:contoso-plan', 32, 'abcdefghijklmnopqrstuvwxyz0123456789'),
    orderDate: '2024-05-13',
    startDate: '2024-05-13',
  },
  entitlements: [
    {
      id: guid('entitlement:contoso-web-prod'),
      name: 'contoso-web-prod',
      resources: [
        ...['vm-web-01', 'vm-web-02'].flatMap((vm): Resource[] => [
          {
            name: vm,
            group: 'rg-web-prod',
            type: 'Microsoft.Compute/virtualMachines',
            tags: { team: 'web', env: 'prod' },
            uses: [
              { meter: M.d2sv5, qty: uptime(), additionalInfo: vmInfo('D2s_v5', vm, 2) },
              { meter: M.egress, qty: range('0.5', '6') },
            ],
          },
          // The second web VM's disk was created by hand and never tagged: a realistic tagging gap.
          {
            name: `${vm}_OsDisk_1`,
            group: 'rg-web-prod',
            type: 'Microsoft.Compute/disks',
            tags: vm === 'vm-web-01' ? { team: 'web', env: 'prod' } : undefined,
            uses: [{ meter: M.p10, qty: perMonth('1') }],
          },
        ]),
        {
          name: 'pip-web-lb',
          group: 'rg-web-prod',
          type: 'Microsoft.Network/publicIPAddresses',
          tags: { team: 'web', env: 'prod' },
          uses: [{ meter: M.pip, qty: fixed('24') }],
        },
        {
          name: 'asp-web-prod',
          group: 'rg-web-prod',
          type: 'Microsoft.Web/serverFarms',
          tags: { team: 'web', env: 'prod' },
          uses: [
            { meter: M.appP1v3, qty: (day, rng) => new Dec(isWeekend(day) ? 48 : rng.chance(30) ? 72 : 48) },
            { meter: M.egress, qty: range('2', '12') },
          ],
        },
        {
          name: 'sql-contoso-web/databases/shop',
          group: 'rg-web-prod',
          type: 'Microsoft.Sql/servers',
          tags: { team: 'web', env: 'prod' },
          uses: [
            { meter: M.sqlVcore, qty: fixed('48') },
            { meter: M.sqlStorage, qty: storedGb('120', '0.8') },
          ],
        },
        {
          name: 'kv-contoso-web',
          group: 'rg-web-prod',
          type: 'Microsoft.KeyVault/vaults',
          tags: { team: 'web', env: 'prod' },
          uses: [{ meter: M.kvOps, qty: range('0.2', '1.8') }],
        },
        {
          name: 'stcontosowebassets',
          group: 'rg-web-prod',
          type: 'Microsoft.Storage/storageAccounts',
          tags: { team: 'web', env: 'prod' },
          uses: [
            { meter: M.hotData, qty: storedGb('310', '1.5') },
            { meter: M.hotWrite, qty: range('0.8', '3.5') },
            { meter: M.hotRead, qty: range('2', '9') },
            { meter: M.egress, qty: range('1', '5') },
          ],
        },
      ],
    },
    {
      id: guid('entitlement:contoso-data-prod'),
      name: 'contoso-data-prod',
      resources: [
        {
          name: 'stcontosodatalake',
          group: 'rg-data-lake',
          type: 'Microsoft.Storage/storageAccounts',
          tags: { team: 'data', env: 'prod' },
          uses: [
            { meter: M.hotData, qty: storedGb('18200', '64') },
            { meter: M.hotWrite, qty: range('18', '60') },
            { meter: M.hotRead, qty: range('40', '120') },
            { meter: M.egress, qty: range('5', '15') },
          ],
        },
        // Raw landing zone, created by a pipeline without tags.
        {
          name: 'stcontosolakeraw',
          group: 'rg-data-lake',
          type: 'Microsoft.Storage/storageAccounts',
          uses: [
            { meter: M.hotData, qty: storedGb('6100', '35') },
            { meter: M.hotWrite, qty: range('6', '25') },
          ],
        },
        // Both Spark nodes run every hour of the month on a one-year reservation: their usage is covered (EUP 0).
        ...['vm-spark-01', 'vm-spark-02'].flatMap((vm): Resource[] => [
          {
            name: vm,
            group: 'rg-data-compute',
            type: 'Microsoft.Compute/virtualMachines',
            tags: { team: 'data', env: 'prod' },
            benefit: RI_D4,
            uses: [
              {
                meter: M.d4sv5,
                qty: fixed('24'),
                additionalInfo: vmInfo('D4s_v5', vm, 4, { ReservationOrderId: RI_D4.orderId }),
              },
            ],
          },
          {
            name: `${vm}_OsDisk_1`,
            group: 'rg-data-compute',
            type: 'Microsoft.Compute/disks',
            tags: { team: 'data', env: 'prod' },
            uses: [{ meter: M.p10, qty: perMonth('1') }],
          },
        ]),
        {
          name: 'sql-contoso-data/databases/warehouse',
          group: 'rg-data-compute',
          type: 'Microsoft.Sql/servers',
          tags: { team: 'data', env: 'prod' },
          uses: [
            { meter: M.sqlVcore, qty: fixed('96') },
            { meter: M.sqlStorage, qty: storedGb('500', '2.5') },
          ],
        },
      ],
    },
    {
      id: guid('entitlement:contoso-data-dev'),
      name: 'contoso-data-dev',
      resources: [
        {
          name: 'vm-datadev-01',
          group: 'rg-data-dev',
          type: 'Microsoft.Compute/virtualMachines',
          tags: { team: 'data', env: 'dev' },
          uses: [
            { meter: M.d2sv5, qty: weekdays(range('9', '12.5')), additionalInfo: vmInfo('D2s_v5', 'vm-datadev-01', 2) },
          ],
        },
        {
          name: 'vm-datadev-01_OsDisk_1',
          group: 'rg-data-dev',
          type: 'Microsoft.Compute/disks',
          tags: { team: 'data', env: 'dev' },
          uses: [{ meter: M.e10, qty: perMonth('1') }],
        },
        {
          name: 'vmss-spot-batch',
          group: 'rg-data-dev',
          type: 'Microsoft.Compute/virtualMachineScaleSets',
          tags: { team: 'data', env: 'dev' },
          uses: [
            {
              meter: M.d2sv5Spot,
              qty: range('10', '72'),
              additionalInfo: vmInfo('D2s_v5', 'vmss-spot-batch', 2, { PricingModel: 'Spot' }),
            },
            { meter: M.egress, qty: range('0.2', '2') },
          ],
        },
        {
          name: 'stcontosodatadev',
          group: 'rg-data-dev',
          type: 'Microsoft.Storage/storageAccounts',
          tags: { team: 'data', env: 'dev' },
          uses: [
            { meter: M.hotData, qty: storedGb('820', '4') },
            { meter: M.hotWrite, qty: range('1', '6') },
            { meter: M.hotRead, qty: range('1', '8') },
          ],
        },
      ],
    },
    {
      id: guid('entitlement:contoso-platform'),
      name: 'contoso-platform',
      resources: [
        // Cluster nodes carry no team tag on purpose: the platform is shared and split by rule, not by tag.
        ...['vm-aks-node-01', 'vm-aks-node-02', 'vm-aks-node-03'].flatMap((vm, i): Resource[] => [
          {
            name: vm,
            group: 'rg-platform',
            type: 'Microsoft.Compute/virtualMachines',
            tags: { env: 'prod', service: 'aks' },
            uses: [
              { meter: M.d2sv5, qty: uptime(), additionalInfo: vmInfo('D2s_v5', vm, 2) },
              ...(i === 0 ? [{ meter: M.egress, qty: range('1', '4') }] : []),
            ],
          },
          {
            name: `${vm}_OsDisk_1`,
            group: 'rg-platform',
            type: 'Microsoft.Compute/disks',
            tags: { env: 'prod', service: 'aks' },
            uses: [{ meter: M.p10, qty: perMonth('1') }],
          },
        ]),
        {
          name: 'acrcontosoplatform',
          group: 'rg-platform',
          type: 'Microsoft.ContainerRegistry/registries',
          tags: { env: 'prod', service: 'aks' },
          uses: [{ meter: M.acr, qty: fixed('1') }],
        },
        {
          name: 'kv-contoso-platform',
          group: 'rg-platform',
          type: 'Microsoft.KeyVault/vaults',
          tags: { env: 'prod', service: 'aks' },
          uses: [{ meter: M.kvOps, qty: range('0.5', '2.5') }],
        },
        {
          name: 'vpngw-contoso-hub',
          group: 'rg-shared-network',
          type: 'Microsoft.Network/virtualNetworkGateways',
          tags: { env: 'shared' },
          uses: [
            { meter: M.vpnGw1, qty: fixed('24') },
            { meter: M.egress, qty: range('3', '10') },
          ],
        },
        ...['pip-vpngw-hub', 'pip-azfw-hub', 'pip-bastion-hub'].map((name): Resource => ({
          name,
          group: 'rg-shared-network',
          type: 'Microsoft.Network/publicIPAddresses',
          tags: { env: 'shared' },
          uses: [{ meter: M.pip, qty: fixed('24') }],
        })),
        {
          name: 'law-contoso-shared',
          group: 'rg-shared-monitoring',
          type: 'Microsoft.OperationalInsights/workspaces',
          tags: { env: 'shared' },
          uses: [{ meter: M.laIngest, qty: range('4', '9') }],
        },
        {
          name: 'alerts-contoso-prod',
          group: 'rg-shared-monitoring',
          type: 'microsoft.insights/metricalerts',
          tags: { env: 'shared' },
          uses: [{ meter: M.alerts, qty: perMonth('25') }],
        },
      ],
    },
    {
      id: guid('entitlement:contoso-sandbox'),
      name: 'contoso-sandbox',
      // The customer removed the partner's admin access for a week: no PEC on anything in the sandbox those days.
      pecOff: (day) => day >= 12 && day <= 18,
      resources: [
        // "marketing" names no chargeback target: the allocation must report it, with its amount.
        {
          name: 'vm-campaign-01',
          group: 'rg-sandbox-marketing',
          type: 'Microsoft.Compute/virtualMachines',
          tags: { team: 'marketing', env: 'sandbox' },
          uses: [
            { meter: M.d2sv5, qty: weekdays(range('8', '10')), additionalInfo: vmInfo('D2s_v5', 'vm-campaign-01', 2) },
            {
              meter: M.ubuntuPro,
              qty: weekdays(range('8', '10')),
              additionalInfo: { VMName: 'vm-campaign-01', ImageType: 'Canonical Ubuntu Pro' },
            },
          ],
        },
        {
          name: 'vm-campaign-01_OsDisk_1',
          group: 'rg-sandbox-marketing',
          type: 'Microsoft.Compute/disks',
          tags: { team: 'marketing', env: 'sandbox' },
          uses: [{ meter: M.e10, qty: perMonth('1') }],
        },
        {
          name: 'stcampaignassets',
          group: 'rg-sandbox-marketing',
          type: 'Microsoft.Storage/storageAccounts',
          tags: { team: 'marketing' },
          uses: [
            { meter: M.hotData, qty: storedGb('48', '0.5') },
            { meter: M.egress, qty: range('0.5', '3') },
          ],
        },
        // A forgotten test machine and its public IP, untagged.
        {
          name: 'vm-jdoe-test',
          group: 'rg-sandbox-jdoe',
          type: 'Microsoft.Compute/virtualMachines',
          uses: [
            {
              meter: M.d2sv5,
              qty: sometimes(40, range('2', '8')),
              additionalInfo: vmInfo('D2s_v5', 'vm-jdoe-test', 2),
            },
          ],
        },
        {
          name: 'pip-jdoe-test',
          group: 'rg-sandbox-jdoe',
          type: 'Microsoft.Network/publicIPAddresses',
          uses: [{ meter: M.pip, qty: fixed('24') }],
        },
      ],
    },
  ],
};

const FABRIKAM: Customer = {
  id: guid('customer:fabrikam'),
  name: 'Fabrikam Süd GmbH',
  domain: 'fabrikamsued.onmicrosoft.com',
  country: 'DE',
  plan: {
    id: guid('plan:fabrikam'),
    orderId: code('order:fabrikam-plan', 32, 'abcdefghijklmnopqrstuvwxyz0123456789'),
    orderDate: '2025-01-20',
    startDate: '2025-01-20',
  },
  entitlements: [
    {
      id: guid('entitlement:fabrikam-erp-prod'),
      name: 'fabrikam-erp-prod',
      resources: [
        ...['vm-erp-app-01', 'vm-erp-app-02'].flatMap((vm): Resource[] => [
          {
            name: vm,
            group: 'rg-erp-prod',
            type: 'Microsoft.Compute/virtualMachines',
            tags: { team: 'erp', env: 'prod' },
            uses: [
              { meter: M.d4sv5, qty: uptime(), additionalInfo: vmInfo('D4s_v5', vm, 4) },
              { meter: M.egress, qty: range('0.5', '4') },
            ],
          },
          {
            name: `${vm}_OsDisk_1`,
            group: 'rg-erp-prod',
            type: 'Microsoft.Compute/disks',
            tags: { team: 'erp', env: 'prod' },
            uses: [{ meter: M.p10, qty: perMonth('1') }],
          },
        ]),
        // Run by the customer's former provider, who kept the access: Northwind earns no PEC on it all month.
        {
          name: 'vm-erp-legacy',
          group: 'rg-erp-legacy',
          type: 'Microsoft.Compute/virtualMachines',
          tags: { team: 'erp', env: 'prod' },
          pecOff: () => true,
          uses: [{ meter: M.d2sv5, qty: fixed('24'), additionalInfo: vmInfo('D2s_v5', 'vm-erp-legacy', 2) }],
        },
        {
          name: 'vm-erp-legacy_OsDisk_1',
          group: 'rg-erp-legacy',
          type: 'Microsoft.Compute/disks',
          tags: { team: 'erp', env: 'prod' },
          pecOff: () => true,
          uses: [{ meter: M.p10, qty: perMonth('1') }],
        },
        {
          name: 'sql-fabrikam-erp/databases/erp',
          group: 'rg-erp-prod',
          type: 'Microsoft.Sql/servers',
          tags: { team: 'erp', env: 'prod' },
          uses: [
            { meter: M.sqlVcore, qty: fixed('48') },
            { meter: M.sqlStorage, qty: storedGb('200', '1') },
          ],
        },
        {
          name: 'pip-erp-gateway',
          group: 'rg-erp-prod',
          type: 'Microsoft.Network/publicIPAddresses',
          tags: { team: 'erp', env: 'prod' },
          uses: [{ meter: M.pip, qty: fixed('24') }],
        },
        {
          name: 'kv-fabrikam-erp',
          group: 'rg-erp-prod',
          type: 'Microsoft.KeyVault/vaults',
          tags: { team: 'erp', env: 'prod' },
          uses: [{ meter: M.kvOps, qty: range('0.1', '0.9') }],
        },
      ],
    },
    {
      id: guid('entitlement:fabrikam-analytics'),
      name: 'fabrikam-analytics',
      resources: [
        {
          name: 'stfabrikambi',
          group: 'rg-bi',
          type: 'Microsoft.Storage/storageAccounts',
          tags: { team: 'bi', env: 'prod' },
          uses: [
            { meter: M.hotData, qty: storedGb('2480', '9') },
            { meter: M.hotWrite, qty: range('2', '9') },
            { meter: M.hotRead, qty: range('0.5', '2.5') },
            { meter: M.egress, qty: range('0.5', '3') },
          ],
        },
        {
          name: 'law-fabrikam',
          group: 'rg-bi',
          type: 'Microsoft.OperationalInsights/workspaces',
          tags: { team: 'bi', env: 'prod' },
          uses: [{ meter: M.laIngest, qty: range('0.5', '2') }],
        },
      ],
    },
  ],
};

export const CUSTOMERS: readonly Customer[] = [CONTOSO, FABRIKAM];

// ---------------------------------------------------------------------------------------------------------------
// Usage rows before rating.

export type DailyDefect =
  | 'pec-not-applied'
  | 'pec-twice'
  | 'total-off'
  | 'unitprice-off'
  | 'invalid-quantity'
  | 'credit-disagrees'
  | 'price-cell-wrong'
  | 'invalid-total'
  | 'usage-date-outside';

interface UsageRow {
  day: number;
  customer: Customer;
  entitlement: Entitlement;
  resource: Resource;
  use: Use;
  quantity: Decimal;
  pec: Decimal;
  defect?: DailyDefect;
}

function pecFor(entitlement: Entitlement, resource: Resource, use: Use, day: number): Decimal {
  if (!use.meter.pecEligible || resource.benefit) return ZERO;
  if (entitlement.pecOff?.(day) || resource.pecOff?.(day)) return ZERO;
  return PEC;
}

/** All usage of the month, in file order: by day, then Azure plan, subscription and resource. */
function buildUsage(rng: Rng): UsageRow[] {
  const rows: UsageRow[] = [];
  for (let day = 1; day <= DAYS; day++) {
    for (const customer of CUSTOMERS) {
      for (const entitlement of customer.entitlements) {
        for (const resource of entitlement.resources) {
          for (const use of resource.uses) {
            const quantity = use.qty(day, rng);
            if (!quantity || quantity.isZero()) continue;
            rows.push({
              day,
              customer,
              entitlement,
              resource,
              use,
              quantity,
              pec: pecFor(entitlement, resource, use, day),
            });
          }
        }
      }
    }
  }
  return rows;
}

/**
 * Where the daily-file defects go: chosen by content, so that the choice survives changes to the data above. Each sits
 * on a flat meter's PEC row and on a low-value row of a meter with many rows, so that the planted error, though far
 * outside the row-level tolerance, stays inside the daily-vs-invoice cross-check's tolerance (one cent per summed row):
 * the defect is then reported once, on its own cell, and not again on the invoice line.
 */
const DAILY_DEFECT_PLACES: { defect: DailyDefect; day: number; resource: string; meter: Meter; why: string }[] = [
  {
    defect: 'pec-not-applied',
    day: 9,
    resource: 'vm-web-01',
    meter: M.d2sv5,
    why: 'PEC 0.15 in the PEC column but not applied: EffectiveUnitPrice equals UnitPrice',
  },
  {
    defect: 'pec-twice',
    day: 14,
    resource: 'pip-web-lb',
    meter: M.pip,
    why: 'PEC applied twice: EffectiveUnitPrice is UnitPrice x 0.85 x 0.85',
  },
  {
    defect: 'total-off',
    day: 21,
    resource: 'vm-web-02_OsDisk_1',
    meter: M.p10,
    why: 'BillingPreTaxTotal 2.00 EUR higher than FLOOR(EffectiveUnitPrice x Quantity x PCToBCExchangeRate, 2)',
  },
  {
    defect: 'unitprice-off',
    day: 5,
    resource: 'kv-contoso-web',
    meter: M.kvOps,
    why: 'UnitPrice 10% above the price list (EffectiveUnitPrice and totals consistent with the wrong price)',
  },
  {
    defect: 'invalid-quantity',
    day: 26,
    resource: 'stcontosodatadev',
    meter: M.hotWrite,
    why: 'Quantity is not a number',
  },
  {
    defect: 'credit-disagrees',
    day: 12,
    resource: 'vm-web-01',
    meter: M.d2sv5,
    why: 'CreditPercentage 10 on a "Partner Earned Credit Applied" row whose PartnerEarnedCreditPercentage is 15 (the price follows the 15)',
  },
  {
    defect: 'price-cell-wrong',
    day: 17,
    resource: 'vm-web-02',
    meter: M.d2sv5,
    why: 'EffectiveUnitPrice printed 10% low, totals billed at the right price: no money at stake',
  },
  {
    defect: 'invalid-total',
    day: 19,
    resource: 'kv-contoso-web',
    meter: M.kvOps,
    why: 'BillingPreTaxTotal is not a number (its Quantity still counts month to date)',
  },
  {
    defect: 'usage-date-outside',
    day: 31,
    resource: 'vm-spark-01',
    meter: M.d4sv5,
    why: 'UsageDate in August on a July row (reservation-covered usage, so no price depends on it)',
  },
];
/** A defect whose row has no PEC (covered usage) and whose meter may be anything. */
const ANY_ROW_DEFECTS: readonly DailyDefect[] = ['invalid-quantity', 'usage-date-outside'];
const TOTAL_OFF = new Dec('2.00');
const UNITPRICE_FACTOR = new Dec('1.1');
/** The invalid cell, and the quantity the row "really" had, used only to print its (unverifiable) totals. */
const INVALID_QUANTITY_TEXT = '12.5.1';
const INVALID_QUANTITY_MEANT = new Dec('12.51');
const INVALID_TOTAL_TEXT = 'n/a';
const CREDIT_DISAGREEING = '10';

function plantDailyDefects(rows: UsageRow[]): void {
  for (const place of DAILY_DEFECT_PLACES) {
    const row = rows.find(
      (r) => r.day === place.day && r.resource.name === place.resource && r.use.meter === place.meter,
    );
    if (!row) throw new Error(`no usage row for planted defect ${place.defect}`);
    if (!ANY_ROW_DEFECTS.includes(place.defect) && row.pec.isZero())
      throw new Error(`planted defect ${place.defect} needs a PEC row`);
    if (place.defect === 'usage-date-outside' && !row.resource.benefit)
      throw new Error('usage-date-outside must sit on covered usage');
    if (row.use.meter.tiers.length > 0) throw new Error(`planted defect ${place.defect} must sit on a flat meter`);
    row.defect = place.defect;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rating: the documented cumulative rule, per (customer, Azure plan, meter, billing period, PEC or not).

export interface RatedRow {
  usage: UsageRow;
  unitPrice: Decimal;
  /** The printed EffectiveUnitPrice, and the quantity and totals as printed. */
  eup: string;
  quantityText: string;
  billingTotal: string;
  pricingTotal: string;
}

function groupKey(r: UsageRow): string {
  return [
    r.customer.id,
    r.customer.plan.id,
    r.use.meter.id,
    'billing-period-2026-07',
    r.pec.gt(0) ? 'pec' : 'no-pec',
  ].join('|');
}

/**
 * The quantity that counts toward cumulative sums: the row whose Quantity is unreadable counts for nothing (nobody can
 * read it); a row with only an unreadable total still consumed its quantity.
 */
function countedQuantity(r: UsageRow): Decimal {
  return r.defect === 'invalid-quantity' ? ZERO : r.quantity;
}

/**
 * A total as real billed exports print it: not rounded to cents, with up to 8 decimals, and in scientific notation
 * when tiny ("7.10833E-05", "0.00E+00").
 */
function exportedAmount(x: Decimal): string {
  if (x.isZero()) return '0.00E+00';
  if (x.abs().lt('0.0001')) {
    const [mantissa, exp] = x.toExponential(5).split('e');
    const e = Number(exp);
    return `${mantissa}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const t = x.toDecimalPlaces(8, Dec.ROUND_HALF_UP).toFixed(8).replace(/0+$/, '');
  return t.endsWith('.') ? `${t}00` : /\.\d$/.test(t) ? `${t}0` : t;
}

/** EffectiveUnitPrice as printed: as few decimals as needed, a zero price as 0.00. */
function exportedPrice(x: Decimal): string {
  return x.isZero() ? '0.00' : formatPrice(x);
}

/** BCU_d of each rating group: cumulative quantity through day d, including every (valid) row of day d. */
function cumulativeByGroup(rows: readonly UsageRow[]): Map<string, Decimal[]> {
  const dayTotals = new Map<string, Decimal[]>();
  for (const r of rows) {
    const key = groupKey(r);
    const totals = dayTotals.get(key) ?? Array.from({ length: DAYS + 1 }, () => ZERO);
    totals[r.day] = totals[r.day].plus(countedQuantity(r));
    dayTotals.set(key, totals);
  }
  const cumulative = new Map<string, Decimal[]>();
  for (const [key, totals] of dayTotals) {
    const cum: Decimal[] = [ZERO];
    for (let d = 1; d <= DAYS; d++) cum.push(cum[d - 1].plus(totals[d]));
    cumulative.set(key, cum);
  }
  return cumulative;
}

function rateUsage(rows: UsageRow[]): RatedRow[] {
  const cumulative = cumulativeByGroup(rows);
  // A reservation covers all usage of its meter in that plan here; mixing covered and uncovered rows in one rating
  // group would leave it open whether covered units count toward BCU, so the data must not do it.
  const covered = new Map<string, boolean>();
  for (const r of rows) {
    const key = groupKey(r);
    const isCovered = !!r.resource.benefit;
    if (covered.has(key) && covered.get(key) !== isCovered)
      throw new Error(`rating group ${key} mixes covered and uncovered usage`);
    covered.set(key, isCovered);
  }

  return rows.map((r): RatedRow => {
    const m = r.use.meter;
    const bcu = cumulative.get(groupKey(r))![r.day];
    let unitPrice = m.unitPrice;
    let eup: Decimal;
    if (r.resource.benefit) {
      eup = ZERO; // usage covered by a reservation is charged through the reservation purchase
    } else {
      const fraction = chargedFraction(r.pec);
      switch (r.defect) {
        case 'pec-not-applied':
          eup = m.unitPrice;
          break;
        case 'pec-twice':
          eup = m.unitPrice.times(ONE.minus(r.pec)).times(ONE.minus(r.pec));
          break;
        case 'unitprice-off':
          unitPrice = m.unitPrice.times(UNITPRICE_FACTOR);
          eup = rateCumulative(bcu, unitPrice, fraction, m.tiers).eup;
          break;
        default:
          if (isAllowance(m)) {
            // As billed exports show a free allowance: 0 on the free part of the month, the tier price after it (the
            // day the allowance runs out, the day's blend), so that the rows add up to the month's charge.
            const before = cumulative.get(groupKey(r))![r.day - 1];
            const span = bcu.minus(before);
            eup = span.gt(0)
              ? grossPrice(bcu, m.unitPrice, m.tiers)
                  .minus(grossPrice(before, m.unitPrice, m.tiers))
                  .div(span)
                  .times(fraction)
              : ZERO;
          } else {
            eup = rateCumulative(bcu, m.unitPrice, fraction, m.tiers).eup;
          }
      }
    }
    const eupText = exportedPrice(eup);
    // Totals multiply the EUP as printed, which is what any reader of the file has; real billed exports do not
    // round them to cents.
    const printed = new Dec(eupText);
    const q = r.defect === 'invalid-quantity' ? INVALID_QUANTITY_MEANT : r.quantity;
    let billing = printed.times(q).times(FX);
    if (r.defect === 'total-off') billing = billing.plus(TOTAL_OFF);
    return {
      usage: r,
      unitPrice,
      // The wrong price cell is printed 10% low; its totals above were billed at the right price.
      eup: r.defect === 'price-cell-wrong' ? formatPrice(printed.times('0.9')) : eupText,
      quantityText: r.defect === 'invalid-quantity' ? INVALID_QUANTITY_TEXT : r.quantity.toFixed(),
      billingTotal: r.defect === 'invalid-total' ? INVALID_TOTAL_TEXT : exportedAmount(billing),
      pricingTotal: exportedAmount(printed.times(q)),
    };
  });
}

/** A meter whose first price band is free (a monthly allowance). */
export function isAllowance(m: Meter): boolean {
  return m.tiers.length > 1 && m.tiers[0].unitPrice.isZero();
}

function resourceUri(r: UsageRow): string {
  const res = r.resource;
  const [provider, type] = res.type.split('/');
  // A SQL database's name carries its server: servers/<server>/databases/<db>.
  return `/subscriptions/${r.entitlement.id}/resourceGroups/${res.group}/providers/${provider}/${type}/${res.name}`;
}

function dailyCells(rr: RatedRow): Record<DailyColumn, string> {
  const r = rr.usage;
  const m = r.use.meter;
  const c = r.customer;
  const benefit = r.resource.benefit;
  return {
    PartnerId: PARTNER.id,
    PartnerName: PARTNER.name,
    CustomerId: c.id,
    CustomerName: c.name,
    CustomerDomainName: c.domain,
    CustomerCountry: c.country,
    MpnId: PARTNER.mpnId,
    Tier2MpnId: PARTNER.mpnId,
    InvoiceNumber: INVOICE,
    ProductId: m.productId,
    SkuId: m.skuId,
    AvailabilityId: m.availabilityId,
    SkuName: m.skuName,
    ProductName: m.productName,
    PublisherName: m.publisher,
    PublisherId: m.publisherId,
    SubscriptionDescription: 'Azure plan',
    SubscriptionId: c.plan.id,
    ChargeStartDate: usDate(MONTH, 1),
    ChargeEndDate: usDate(MONTH, DAYS),
    UsageDate: r.defect === 'usage-date-outside' ? usDate(MONTH + 1, 1) : usDate(MONTH, r.day),
    MeterType: 'Consumption',
    MeterCategory: m.category,
    MeterId: m.id,
    MeterSubCategory: m.subCategory,
    MeterName: m.name,
    MeterRegion: m.region,
    Unit: m.unit,
    ResourceLocation: 'westeurope',
    ConsumedService: r.resource.type.split('/')[0],
    ResourceGroup: r.resource.group,
    ResourceURI: resourceUri(r),
    ChargeType: 'new',
    UnitPrice: rr.unitPrice.toFixed(),
    Quantity: rr.quantityText,
    UnitType: m.unit,
    BillingPreTaxTotal: rr.billingTotal,
    BillingCurrency: BILLING_CURRENCY,
    PricingPreTaxTotal: rr.pricingTotal,
    PricingCurrency: PRICING_CURRENCY,
    ServiceInfo1: '',
    ServiceInfo2: '',
    Tags: r.resource.tags ? JSON.stringify(r.resource.tags) : '',
    AdditionalInfo: r.use.additionalInfo ? JSON.stringify(r.use.additionalInfo) : '',
    EffectiveUnitPrice: rr.eup,
    PCToBCExchangeRate: FX.toFixed(),
    PCToBCExchangeRateDate: usDate(6, 26),
    EntitlementId: r.entitlement.id,
    EntitlementDescription: r.entitlement.name,
    // Real billed exports: a PEC row carries the rate in both columns (as a percentage), with CreditType naming it;
    // a row without PEC has both empty. Pay-as-you-go usage reads BenefitType "Charge".
    PartnerEarnedCreditPercentage: r.pec.gt(0) ? r.pec.times(100).toFixed() : '',
    CreditPercentage:
      r.defect === 'credit-disagrees' ? CREDIT_DISAGREEING : r.pec.gt(0) ? r.pec.times(100).toFixed() : '',
    CreditType: r.pec.gt(0) ? 'Partner Earned Credit Applied' : 'Credit Not Applied',
    BenefitOrderId: benefit?.orderId ?? '',
    BenefitId: benefit?.id ?? '',
    BenefitType: benefit?.type ?? 'Charge',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Invoice reconciliation file.
//
// Choices where the public record is thin:
// - Azure plan usage lines carry ChargeType "new" and Quantity 1, as Microsoft's field reference shows for a usage
//   line; the consumed units are in BillableQuantity. Reservation and seat renewals billed monthly are "cycleCharge";
//   a mid-month seat increase is "addQuantity", its partial refund "removeQuantity" (negative quantity and amounts).
// - Usage covered by a reservation has no usage line (it is paid by the reservation's own line), so the usage lines
//   add up to the daily file's non-zero rows.
// - Purchases (reservation, seats) use the seat formula ROUNDDOWN(EUP x FX, 2) x BillableQuantity.
// - TaxTotal is 19% German VAT (the partner is in Germany) rounded half up to cents; Total = Subtotal + TaxTotal.

export type ReconDefect = 'subtotal-off' | 'total-off' | 'pec-named-not-applied';

interface ReconLine {
  cells: Record<ReconColumn, string>;
  defect?: ReconDefect;
}

const PEC_DESCRIPTION = '["15.0% Partner earned credit for services managed"]';

/**
 * Where the recon defects go. The Subtotal defect sits on a line billing about 200 daily rows, and the EUP defect on a
 * line worth cents, so that both stay inside the daily-vs-invoice cross-check's tolerance (see DAILY_DEFECT_PLACES).
 * The EUP defect needs a UnitPrice printed with enough decimals: a checker allows half a unit in the last printed
 * place, and 15% of 0.03 (two decimals) would hide inside that; 15% of 0.0052 does not.
 */
const RECON_DEFECT_PLACES: {
  defect: ReconDefect;
  customer: Customer;
  meter?: Meter;
  pec?: boolean;
  sku?: string;
  why: string;
}[] = [
  {
    defect: 'subtotal-off',
    customer: CONTOSO,
    meter: M.d2sv5,
    pec: true,
    why: 'Subtotal 1.00 EUR below ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice x BillableQuantity, 2) x PCToBCExchangeRate, 2)',
  },
  {
    defect: 'total-off',
    customer: FABRIKAM,
    sku: 'Microsoft 365 E3',
    why: 'Total is not Subtotal + TaxTotal (9.00 EUR too high)',
  },
  {
    defect: 'pec-named-not-applied',
    customer: FABRIKAM,
    meter: M.hotRead,
    pec: true,
    why: 'PriceAdjustmentDescription names 15% PEC but EffectiveUnitPrice equals UnitPrice',
  },
];
const SUBTOTAL_OFF = new Dec('-1.00');
const RECON_TOTAL_OFF = new Dec('9.00');

function usageKey(customerId: string, planId: string, meterId: string, pec: boolean): string {
  return [customerId, planId, meterId, pec ? 'pec' : 'no-pec'].join('|');
}

function money(subtotal: Decimal): { subtotal: string; tax: string; total: string } {
  const tax = roundCents(subtotal.times(VAT));
  return { subtotal: subtotal.toFixed(2), tax: tax.toFixed(2), total: subtotal.plus(tax).toFixed(2) };
}

function reconBase(
  c: Customer,
): Pick<
  Record<ReconColumn, string>,
  | 'PartnerId'
  | 'CustomerId'
  | 'CustomerName'
  | 'CustomerDomainName'
  | 'CustomerCountry'
  | 'InvoiceNumber'
  | 'MpnId'
  | 'ResellerMpnId'
  | 'Currency'
  | 'PricingCurrency'
  | 'PCToBCExchangeRate'
  | 'PCToBCExchangeRateDate'
  | 'CreditReasonCode'
  | 'PromotionId'
> {
  return {
    PartnerId: PARTNER.id,
    CustomerId: c.id,
    CustomerName: c.name,
    CustomerDomainName: c.domain,
    CustomerCountry: c.country,
    InvoiceNumber: INVOICE,
    MpnId: PARTNER.mpnId,
    ResellerMpnId: '',
    Currency: BILLING_CURRENCY,
    PricingCurrency: PRICING_CURRENCY,
    PCToBCExchangeRate: FX.toFixed(),
    PCToBCExchangeRateDate: FX_DATE_ISO,
    CreditReasonCode: '',
    PromotionId: '',
  };
}

interface UsagePart {
  meter: Meter;
  pec: Decimal;
  bq: Decimal;
}

/**
 * Billable quantity per (customer's Azure plan, meter, PEC part): the sum of that part's daily quantities, as if the
 * invalid row were not there (the checker cannot read it), and without reservation-covered usage.
 */
function usageParts(c: Customer, rated: readonly RatedRow[]): Map<string, UsagePart> {
  const parts = new Map<string, UsagePart>();
  for (const rr of rated) {
    const r = rr.usage;
    if (r.customer !== c || r.resource.benefit) continue;
    const key = usageKey(c.id, c.plan.id, r.use.meter.id, r.pec.gt(0));
    const part: UsagePart = parts.get(key) ?? { meter: r.use.meter, pec: r.pec, bq: ZERO };
    part.bq = part.bq.plus(countedQuantity(r));
    parts.set(key, part);
  }
  return parts;
}

function usageLines(c: Customer, rated: RatedRow[]): ReconLine[] {
  const parts = usageParts(c, rated);
  const ordered = [...parts.entries()].sort(
    ([, a], [, b]) =>
      byText(a.meter.productName, b.meter.productName) ||
      byText(a.meter.skuName, b.meter.skuName) ||
      b.pec.comparedTo(a.pec),
  );
  return ordered.map(([key, part]): ReconLine => {
    const m = part.meter;
    const hasPec = part.pec.gt(0);
    const place = RECON_DEFECT_PLACES.find((p) => p.customer === c && p.meter === m && p.pec === hasPec);
    let eup = rateCumulative(part.bq, m.unitPrice, chargedFraction(part.pec), m.tiers).eup;
    if (place?.defect === 'pec-named-not-applied') eup = m.unitPrice;
    const eupText = formatPrice(eup);
    let subtotal = floorCents(floorCents(new Dec(eupText).times(part.bq)).times(FX));
    if (place?.defect === 'subtotal-off') subtotal = subtotal.plus(SUBTOTAL_OFF);
    const amounts = money(subtotal);
    return {
      defect: place?.defect,
      cells: {
        ...reconBase(c),
        OrderId: c.plan.orderId,
        OrderDate: c.plan.orderDate,
        ProductId: m.productId,
        SkuId: m.skuId,
        AvailabilityId: m.availabilityId,
        SkuName: m.skuName,
        ProductName: m.productName,
        ChargeType: 'new',
        UnitPrice: m.unitPrice.toFixed(),
        Quantity: '1',
        Subtotal: amounts.subtotal,
        TaxTotal: amounts.tax,
        Total: amounts.total,
        PriceAdjustmentDescription: hasPec ? PEC_DESCRIPTION : '',
        PublisherName: m.publisher,
        PublisherId: m.publisherId,
        SubscriptionDescription: 'Azure plan',
        SubscriptionId: c.plan.id,
        ChargeStartDate: isoDate(MONTH, 1),
        ChargeEndDate: isoDate(MONTH, DAYS),
        TermAndBillingCycle: '',
        EffectiveUnitPrice: eupText,
        UnitType: m.unit,
        AlternateId: code(`alternate:${key}`, 12, '0123456789abcdef'),
        BillableQuantity: part.bq.toFixed(),
        BillingFrequency: '',
        MeterDescription: `${m.productName} - ${m.skuName} - ${m.region}`,
        ReservationOrderId: '',
        SubscriptionStartDate: c.plan.startDate,
        SubscriptionEndDate: '',
        ReferenceId: guid(`reference:${key}`),
        ProductQualifiers: '',
      },
    };
  });
}

interface Purchase {
  customer: Customer;
  label: string;
  productName: string;
  skuName: string;
  chargeType: string;
  unitPrice: Decimal;
  /** Per-unit price charged for this line (prorated for a mid-month change, like unitPrice then). */
  eup: Decimal;
  quantity: Decimal;
  chargeStart: string;
  chargeEnd: string;
  orderDate: string;
  term: string;
  subscriptionId: string;
  subscriptionStart: string;
  subscriptionEnd: string;
  reservationOrderId?: string;
  qualifiers?: string;
}

const M365_BP_SUBSCRIPTION = guid('subscription:contoso-m365-bp');
/**
 * The 5 seats added on 10 July cost 22 of 31 days; 2 of them were returned within the cancellation window. Microsoft
 * re-prices prorated seat lines: the prorated price is the line's UnitPrice as well as its EffectiveUnitPrice (no
 * discount is involved, so the two agree, as the domain page expects).
 */
const PRORATION_JULY_10 = new Dec(22).div(DAYS);

const PURCHASES: Purchase[] = [
  {
    customer: CONTOSO,
    label: 'ri-d4sv5',
    productName: 'Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year',
    skuName: 'Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year',
    chargeType: 'cycleCharge',
    unitPrice: new Dec('87.33'),
    eup: new Dec('87.33'),
    quantity: new Dec(2),
    chargeStart: isoDate(7, 1),
    chargeEnd: isoDate(7, 31),
    orderDate: '2026-03-01',
    term: '1 Year Monthly Billing',
    subscriptionId: guid('subscription:contoso-ri-d4sv5'),
    subscriptionStart: '2026-03-01',
    subscriptionEnd: '2027-02-28',
    reservationOrderId: RI_D4.orderId,
    qualifiers: '["Reservation"]',
  },
  {
    customer: CONTOSO,
    label: 'm365-bp-cycle',
    productName: 'Microsoft 365 Business Premium',
    skuName: 'Microsoft 365 Business Premium',
    chargeType: 'cycleCharge',
    unitPrice: new Dec('22'),
    eup: new Dec('22'),
    quantity: new Dec(40),
    chargeStart: isoDate(7, 1),
    chargeEnd: isoDate(7, 31),
    orderDate: '2026-02-01',
    term: '1 Year Monthly Billing',
    subscriptionId: M365_BP_SUBSCRIPTION,
    subscriptionStart: '2026-02-01',
    subscriptionEnd: '2027-01-31',
  },
  {
    customer: CONTOSO,
    label: 'm365-bp-add',
    productName: 'Microsoft 365 Business Premium',
    skuName: 'Microsoft 365 Business Premium',
    chargeType: 'addQuantity',
    unitPrice: new Dec('22').times(PRORATION_JULY_10),
    eup: new Dec('22').times(PRORATION_JULY_10),
    quantity: new Dec(5),
    chargeStart: isoDate(7, 10),
    chargeEnd: isoDate(7, 31),
    orderDate: '2026-07-10',
    term: '1 Year Monthly Billing',
    subscriptionId: M365_BP_SUBSCRIPTION,
    subscriptionStart: '2026-02-01',
    subscriptionEnd: '2027-01-31',
  },
  {
    customer: CONTOSO,
    label: 'm365-bp-remove',
    productName: 'Microsoft 365 Business Premium',
    skuName: 'Microsoft 365 Business Premium',
    chargeType: 'removeQuantity',
    unitPrice: new Dec('22').times(PRORATION_JULY_10),
    eup: new Dec('22').times(PRORATION_JULY_10),
    quantity: new Dec(-2),
    chargeStart: isoDate(7, 10),
    chargeEnd: isoDate(7, 31),
    orderDate: '2026-07-13',
    term: '1 Year Monthly Billing',
    subscriptionId: M365_BP_SUBSCRIPTION,
    subscriptionStart: '2026-02-01',
    subscriptionEnd: '2027-01-31',
  },
  {
    customer: FABRIKAM,
    label: 'm365-e3-cycle',
    productName: 'Microsoft 365 E3',
    skuName: 'Microsoft 365 E3',
    chargeType: 'cycleCharge',
    unitPrice: new Dec('36'),
    eup: new Dec('36'),
    quantity: new Dec(12),
    chargeStart: isoDate(7, 1),
    chargeEnd: isoDate(7, 31),
    orderDate: '2025-09-01',
    term: '1 Year Monthly Billing',
    subscriptionId: guid('subscription:fabrikam-m365-e3'),
    subscriptionStart: '2025-09-01',
    subscriptionEnd: '2026-08-31',
  },
];

function purchaseLine(p: Purchase): ReconLine {
  const eupText = formatPrice(p.eup);
  // Seat formula: the per-unit price is converted and rounded down first, then multiplied by the seats.
  const subtotal = floorCents(new Dec(eupText).times(FX)).times(p.quantity);
  const amounts = money(subtotal);
  const place = RECON_DEFECT_PLACES.find((d) => d.customer === p.customer && d.sku === p.skuName);
  if (place?.defect === 'total-off') amounts.total = new Dec(amounts.total).plus(RECON_TOTAL_OFF).toFixed(2);
  return {
    defect: place?.defect,
    cells: {
      ...reconBase(p.customer),
      OrderId: code(`order:${p.label}`, 32, 'abcdefghijklmnopqrstuvwxyz0123456789'),
      OrderDate: p.orderDate,
      ProductId: `CFQ7TTC0${code(`product:${p.productName}`, 4)}`,
      SkuId: '0001',
      AvailabilityId: `CFQ7TTC0${code(`availability:${p.label}`, 4)}`,
      SkuName: p.skuName,
      ProductName: p.productName,
      ChargeType: p.chargeType,
      UnitPrice: formatPrice(p.unitPrice),
      Quantity: p.quantity.toFixed(),
      Subtotal: amounts.subtotal,
      TaxTotal: amounts.tax,
      Total: amounts.total,
      PriceAdjustmentDescription: '',
      PublisherName: 'Microsoft Corporation',
      PublisherId: '',
      SubscriptionDescription: p.productName,
      SubscriptionId: p.subscriptionId,
      ChargeStartDate: p.chargeStart,
      ChargeEndDate: p.chargeEnd,
      TermAndBillingCycle: p.term,
      EffectiveUnitPrice: eupText,
      UnitType: '',
      AlternateId: code(`alternate:${p.label}`, 12, '0123456789abcdef'),
      BillableQuantity: p.quantity.toFixed(),
      BillingFrequency: 'Monthly',
      MeterDescription: '',
      ReservationOrderId: p.reservationOrderId ?? '',
      SubscriptionStartDate: p.subscriptionStart,
      SubscriptionEndDate: p.subscriptionEnd,
      ReferenceId: guid(`reference:${p.label}`),
      ProductQualifiers: p.qualifiers ?? '',
    },
  };
}

function buildRecon(rated: RatedRow[]): ReconLine[] {
  const lines: ReconLine[] = [];
  for (const c of CUSTOMERS) {
    lines.push(...usageLines(c, rated));
    lines.push(...PURCHASES.filter((p) => p.customer === c).map(purchaseLine));
  }
  for (const place of RECON_DEFECT_PLACES) {
    if (lines.filter((l) => l.defect === place.defect).length !== 1)
      throw new Error(`recon defect ${place.defect} not placed exactly once`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Price list.

function priceListRows(): string[][] {
  const meters = [...Object.values(M), ...UNUSED_METERS].sort(
    (a, b) => byText(a.productName, b.productName) || byText(a.skuName, b.skuName),
  );
  const rows: string[][] = [];
  for (const m of meters) {
    for (const band of m.priceRows) {
      rows.push([
        m.productName,
        m.productId,
        m.skuId,
        m.skuName,
        m.publisher,
        `${m.productName} ${m.skuName} ${m.region}`,
        m.unit,
        '',
        'DE',
        PRICING_CURRENCY,
        band.price.toFixed(),
        band.min.toFixed(),
        band.max,
        isoDate(7, 1),
        isoDate(7, 31),
        m.id,
        'Consumption',
        m.priceListTags,
      ]);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// CSV text: UTF-8 with BOM and CRLF like Partner Center exports; a cell is quoted only when it must be.

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
function csvFile(header: readonly string[], rows: readonly (readonly string[])[]): Buffer {
  const lines = [header, ...rows].map((cells) => cells.map(csvCell).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Putting it together.

export interface PlantedDefect {
  file: string;
  /** 1-based line on which the record starts (the header is line 1; no record spans lines). */
  line: number;
  column: string;
  code:
    | 'eup-mismatch'
    | 'total-mismatch'
    | 'unitprice-mismatch'
    | 'invalid-value'
    | 'subtotal-mismatch'
    | 'credit-disagreement'
    | 'usage-date-outside-period'
    | 'recon-daily-mismatch';
  why: string;
  /** The planted cell's text, so that a reader can confirm the line points at it. */
  value: string;
}

export interface GeneratedSamples {
  /** File contents by path relative to samples/. */
  files: Map<string, Buffer>;
  defects: PlantedDefect[];
  rated: RatedRow[];
}

const SEED = 20260731;

const DAILY_DEFECT_REPORT: Record<DailyDefect, { column: DailyColumn; code: PlantedDefect['code'] }> = {
  'pec-not-applied': { column: 'EffectiveUnitPrice', code: 'eup-mismatch' },
  'pec-twice': { column: 'EffectiveUnitPrice', code: 'eup-mismatch' },
  'total-off': { column: 'BillingPreTaxTotal', code: 'total-mismatch' },
  'unitprice-off': { column: 'UnitPrice', code: 'unitprice-mismatch' },
  'invalid-quantity': { column: 'Quantity', code: 'invalid-value' },
  'credit-disagrees': { column: 'CreditPercentage', code: 'credit-disagreement' },
  'price-cell-wrong': { column: 'EffectiveUnitPrice', code: 'eup-mismatch' },
  'invalid-total': { column: 'BillingPreTaxTotal', code: 'invalid-value' },
  'usage-date-outside': { column: 'UsageDate', code: 'usage-date-outside-period' },
};
const RECON_DEFECT_REPORT: Record<ReconDefect, { column: ReconColumn; code: PlantedDefect['code'] }> = {
  'subtotal-off': { column: 'Subtotal', code: 'subtotal-mismatch' },
  'total-off': { column: 'Total', code: 'total-mismatch' },
  'pec-named-not-applied': { column: 'EffectiveUnitPrice', code: 'eup-mismatch' },
};

/**
 * Builds every sample file in memory; nothing is written. `defects: false` leaves the daily file without its planted
 * daily defects (tests build a clean month from it).
 */
export function generateSamples(options: { defects?: boolean } = {}): GeneratedSamples {
  const usage = buildUsage(new Rng(SEED));
  if (options.defects !== false) plantDailyDefects(usage);
  const rated = rateUsage(usage);
  const recon = buildRecon(rated);
  const tieOutDefect = plantTieOutDefect(recon, `billing/2026-07/InvoiceReconciliation_2026-07.csv`, VAT);

  const dailyRows = rated.map((rr) => {
    const cells = dailyCells(rr);
    return DAILY_COLUMNS.map((col) => cells[col]);
  });
  const reconRows = recon.map((l) => RECON_COLUMNS.map((col) => l.cells[col]));

  const defects: PlantedDefect[] = [];
  rated.forEach((rr, i) => {
    const d = rr.usage.defect;
    if (!d) return;
    const { column, code: c } = DAILY_DEFECT_REPORT[d];
    const why = DAILY_DEFECT_PLACES.find((p) => p.defect === d)!.why;
    defects.push({
      file: `billing/2026-07/DailyRatedUsage_2026-07.csv`,
      line: i + 2,
      column,
      code: c,
      why,
      value: dailyRows[i][DAILY_COLUMNS.indexOf(column)],
    });
  });
  recon.forEach((l, i) => {
    if (!l.defect) return;
    const { column, code: c } = RECON_DEFECT_REPORT[l.defect];
    const why = RECON_DEFECT_PLACES.find((p) => p.defect === l.defect)!.why;
    defects.push({
      file: `billing/2026-07/InvoiceReconciliation_2026-07.csv`,
      line: i + 2,
      column,
      code: c,
      why,
      value: l.cells[column],
    });
  });

  defects.push(tieOutDefect);

  const files = new Map<string, Buffer>();
  files.set(SAMPLE_PATHS.daily, csvFile(DAILY_COLUMNS, dailyRows));
  files.set(SAMPLE_PATHS.recon, csvFile(RECON_COLUMNS, reconRows));
  files.set(SAMPLE_PATHS.priceList, csvFile(PRICE_LIST_COLUMNS, priceListRows()));
  files.set(SAMPLE_PATHS.defects, Buffer.from(`${JSON.stringify(defects, null, 2)}\n`, 'utf8'));
  return { files, defects, rated };
}

/** Writes the samples under `samplesDir`. */
export function writeSamples(samplesDir: string): string[] {
  const { files } = generateSamples();
  const written: string[] = [];
  for (const [rel, content] of files) {
    const path = join(samplesDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  }
  return written;
}

if (require.main === module) {
  // out/scripts/generate-samples.js -> the repository's samples/
  const samplesDir = resolve(__dirname, '..', '..', 'samples');
  for (const path of writeSamples(samplesDir)) console.log(`wrote ${path}`);
}
