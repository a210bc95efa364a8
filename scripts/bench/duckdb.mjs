#!/usr/bin/env node
// The bench's yardstick: the same re-rating (and the same allocation) as `chargeback check` / `allocate`, written as
// SQL for DuckDB (@duckdb/node-api, installed on first use by ensure-duckdb.mjs), run in its own process so that its
// time and peak RSS compare with the CLI's. The check writes its findings (one line per finding row) to --out and
// prints one JSON object on stdout.
//
//   node scripts/bench/duckdb.mjs --file usage.csv --job check|allocate [--config best|twoscan|window] [--out F]
//                                 [--date-format %m/%d/%Y] [--threads 2]
//
// The rule (domain page, sections 1a and 2, as the bench's generator follows it): rows not covered by a reservation
// or savings plan (BenefitId set, or BenefitType naming one: "Charge" is pay-as-you-go) are grouped per
// (CustomerId, SubscriptionId, MeterId, ChargeStartDate, charged fraction); the charged fraction is (1 - PEC), times
// (1 - CreditPercentage) only for a credit of another type than the PEC that CreditType names (real exports repeat
// the PEC in CreditPercentage); a percentage above 1 is percent. BCU = the group's Quantity through the row's
// UsageDate (all rows of a day share the day's total); the row is consistent when EUP lies in
// [FLOOR(UnitPrice x BCU x fraction, 2) / BCU, UnitPrice x fraction] +- half a unit of EUP's last printed decimal.
// DuckDB divides DECIMALs as DOUBLE, so the lower bound is checked multiplied out: (EUP + tol) x BCU >= BC. A zero
// EUP on a priced meter (a free monthly allowance) cannot be proven right or wrong without a price list: counted,
// not a finding. Totals: |BillingPreTaxTotal - EUP x Quantity x FX| > 0.01 (PricingPreTaxTotal without FX). PEC on
// usage that never earns it (covered, Spot, a publisher other than Microsoft) is a finding too.
//
// Configurations (the bench's default is `best`):
//   best    what a DuckDB expert writes for the job: the schema given (`columns = {...}` from the header line, no
//           sniffing), money and quantities read straight as exact DECIMAL (DuckDB's DECIMAL reads `7.10833E-05`
//           and un-rounded totals exactly; see the scales below), EffectiveUnitPrice as text because its printed
//           decimals are the tolerance; the file scanned once into a materialized CTE; quantities summed per
//           rating group and day BEFORE the cumulative window (31 rows per group, not every row), joined back on
//           (group hash, day);
//   twoscan the same query with the rows not materialized: DuckDB reads the file again where the rows are used;
//   window  the bench's former query shape on the same typed read: the window over every row.
// Scales, chosen from what the files print: prices and quantities 10 decimals (real files print at most 8), EUP 15
// (Partner Center prints at most 15), totals 10 (a total printed as 3.45678E-09 would lose 1e-10: irrelevant next
// to the one-cent slack and to the billed sum in cents). A value with more decimals would be rounded by DuckDB.
import Decimal from 'decimal.js';
import { openSync, readSync, closeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureDuckDB } from './ensure-duckdb.mjs';

const { DuckDBInstance } = await import(ensureDuckDB({ quiet: true }));

const started = performance.now();
const Dec = Decimal.clone({ precision: 60 });
const sql = (text) => `'${String(text).replace(/'/g, "''")}'`;

/** The header line of the file: DuckDB is given the schema instead of sniffing it. */
function headerColumns(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let text = buf.subarray(0, n).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const end = text.search(/\r?\n/);
  return text
    .slice(0, end < 0 ? text.length : end)
    .split(',')
    .map((c) => c.replace(/^"|"$/g, ''));
}

const TYPES = {
  UnitPrice: 'DECIMAL(18,10)',
  Quantity: 'DECIMAL(18,10)',
  BillingPreTaxTotal: 'DECIMAL(18,10)',
  PricingPreTaxTotal: 'DECIMAL(18,10)',
  PCToBCExchangeRate: 'DECIMAL(18,10)',
  PartnerEarnedCreditPercentage: 'DECIMAL(9,6)',
  CreditPercentage: 'DECIMAL(9,6)',
  ChargeStartDate: 'DATE',
  UsageDate: 'DATE',
};

/** read_csv with the schema given: the typed columns above, every other column as text. */
function source(file, dateFormat) {
  const columns = headerColumns(file)
    .map((c) => `${sql(c)}: ${sql(TYPES[c] ?? 'VARCHAR')}`)
    .join(', ');
  return (
    `read_csv(${sql(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `dateformat = ${sql(dateFormat)}, columns = {${columns}})`
  );
}

/** half a unit of the n-th decimal, n = 0..16, as exact DECIMAL literals (DuckDB's pow() would be a DOUBLE). */
function toleranceFromDecimals(decimalsExpr) {
  const cases = [];
  for (let n = 0; n <= 16; n++)
    cases.push(`WHEN ${n} THEN CAST('${new Dec(10).pow(-n).div(2).toFixed()}' AS DECIMAL(18,17))`);
  return `CASE ${decimalsExpr} ${cases.join(' ')} ELSE CAST('0.00000000000000001' AS DECIMAL(18,17)) END`;
}

/** Every row with what the rules read, typed; one scan of the file. */
function ratedRows(file, dateFormat) {
  const pct = (col) => `CASE WHEN coalesce(${col}, 0) > 1 THEN ${col} / 100 ELSE coalesce(${col}, 0) END`;
  const eupText = 'trim(EffectiveUnitPrice)';
  return `
    SELECT
      hash(lower(CustomerId), lower(SubscriptionId), lower(MeterId), ChargeStartDate, fraction) AS gid,
      UsageDate AS usage_day, Quantity AS quantity, UnitPrice AS unit_price, eup, fraction,
      ${toleranceFromDecimals(
        `CASE WHEN strpos(${eupText}, '.') > 0 THEN length(${eupText}) - strpos(${eupText}, '.') ELSE 0 END`,
      )} AS tol,
      covered, (eup = 0 AND UnitPrice > 0 AND NOT covered) AS zero_priced,
      BillingPreTaxTotal AS billing_total, PricingPreTaxTotal AS pricing_total, PCToBCExchangeRate AS fx,
      (pec > 0 AND (covered OR regexp_matches(MeterName || ' ' || MeterSubCategory, '(?i)\\bspot\\b')
        OR (coalesce(PublisherName, '') <> ''
          AND NOT starts_with(lower(PublisherName), 'microsoft')))) AS pec_not_eligible,
      EntitlementId AS entitlement_id, ResourceURI AS resource_uri, MeterId AS meter_id
    FROM (
      SELECT *,
        CAST(${eupText} AS DECIMAL(21,15)) AS eup,
        CAST(${pct('PartnerEarnedCreditPercentage')} AS DECIMAL(9,6)) AS pec,
        CAST((1 - ${pct('PartnerEarnedCreditPercentage')}) * (1 - CASE
          WHEN coalesce(CreditType, '') ILIKE '%partner earned credit%'
            OR coalesce(CreditType, '') ILIKE '%not applied%' THEN 0
          ELSE ${pct('CreditPercentage')} END) AS DECIMAL(12,8)) AS fraction,
        (coalesce(BenefitId, '') <> '' OR coalesce(BenefitType, '') ILIKE '%reserv%'
          OR coalesce(BenefitType, '') ILIKE '%saving%') AS covered
      FROM ${source(file, dateFormat)}
    )`;
}

const consistent = `CASE WHEN bcu > 0
    THEN (eup + tol) * bcu >= floor(unit_price * bcu * fraction * 100) * CAST('0.01' AS DECIMAL(3,2))
         AND eup - tol <= unit_price * fraction
    ELSE abs(eup - unit_price * fraction) <= tol END`;

/**
 * One statement: the summary line (S) and one line per finding row (E: price outside the band; otherwise the letters
 * of what else is wrong with it, B/P: the billing/pricing total off by more than a cent, N: PEC that can never
 * apply), written by COPY. `best` scans the file once (the typed rows are materialized); `twoscan` lets DuckDB read
 * it again for each use of the rows instead of keeping them (less memory, more reading): the bench takes the faster
 * of the two as DuckDB's best.
 */
function checkSql(file, dateFormat, config, out) {
  const rated =
    config === 'window'
      ? `checked AS (
        SELECT * FROM (
          SELECT *, SUM(quantity) OVER (
            PARTITION BY gid ORDER BY usage_day RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bcu
          FROM r WHERE NOT covered)
        WHERE NOT zero_priced)`
      : `daily AS (SELECT gid, usage_day, sum(quantity) AS q FROM r WHERE NOT covered GROUP BY gid, usage_day),
      mtd AS (
        SELECT gid, usage_day, sum(q) OVER (PARTITION BY gid ORDER BY usage_day ROWS UNBOUNDED PRECEDING) AS bcu
        FROM daily),
      checked AS (
        SELECT r.*, mtd.bcu FROM r JOIN mtd USING (gid, usage_day) WHERE NOT r.covered AND NOT r.zero_priced)`;
  const billingBad = `abs(billing_total - CAST(eup * quantity AS DECIMAL(38,20)) * fx) > CAST('0.01' AS DECIMAL(3,2))`;
  const pricingBad = `pricing_total IS NOT NULL AND abs(pricing_total - eup * quantity) > CAST('0.01' AS DECIMAL(3,2))`;
  const key = `entitlement_id, resource_uri, meter_id, CAST(usage_day AS VARCHAR)`;
  return `COPY (
    WITH r AS ${config === 'twoscan' ? 'NOT MATERIALIZED' : 'MATERIALIZED'} (${ratedRows(file, dateFormat)}),
    ${rated}
    SELECT 'S' AS kind, CAST(count(*) AS VARCHAR) AS a, CAST(sum(billing_total) AS VARCHAR) AS b,
      CAST(count(*) FILTER (WHERE zero_priced) AS VARCHAR) AS c,
      CAST(count(DISTINCT gid) FILTER (WHERE zero_priced) AS VARCHAR) AS d
    FROM r
    UNION ALL SELECT 'E', ${key} FROM checked WHERE NOT (${consistent})
    UNION ALL SELECT kind, ${key} FROM (
      SELECT *, concat(CASE WHEN ${billingBad} THEN 'B' END, CASE WHEN ${pricingBad} THEN 'P' END,
        CASE WHEN pec_not_eligible THEN 'N' END) AS kind FROM r) WHERE kind <> ''
  ) TO ${sql(out)} (FORMAT csv, HEADER false)`;
}

/**
 * The bench's rules file (generate.mjs RULES_YAML) as SQL: the first matching rule wins (CASE in rule order);
 * direct sums per target, and the two split pools, are summed exactly; dividing the pools and rounding the targets
 * to cents (largest remainder, declaration order) happens in decimal.js on those few sums.
 */
function allocateSql(file, dateFormat) {
  return `
    WITH lines AS (
      SELECT
        BillingPreTaxTotal AS amount, BillingCurrency AS currency,
        EntitlementDescription AS entitlement_name, MeterCategory AS meter_category, ResourceGroup AS resource_group,
        CASE WHEN coalesce(Tags, '') = '' THEN NULL ELSE json_extract_string(Tags, '$.team') END AS team
      FROM ${source(file, dateFormat)}
    ),
    routed AS (
      SELECT amount, currency, lower(team) AS team,
        CASE
          WHEN entitlement_name ILIKE '%-data-%' THEN 1
          WHEN team IS NOT NULL THEN 2
          WHEN lower(meter_category) IN ('bandwidth', 'virtual network') THEN 3
          WHEN resource_group ILIKE 'rg-shared-%' THEN 4
          ELSE 0
        END AS rule
      FROM lines
    )
    SELECT rule,
      CASE WHEN rule = 1 THEN 'data' WHEN rule = 2 AND team IN ('web', 'data', 'platform') THEN team END AS target,
      currency, CAST(sum(amount) AS VARCHAR) AS amount, count(*) AS lines
    FROM routed GROUP BY ALL ORDER BY ALL`;
}

const TARGETS = ['web', 'data', 'platform'];
const RULE_NAMES = {
  0: '(unmatched)',
  1: 'Data subscriptions',
  2: 'Team tag',
  3: 'Shared networking',
  4: 'Shared resource groups',
};

/** Largest remainder to cents, ties in listing order (as src/core/allocation/largestRemainder.ts). */
function largestRemainder(exact, total) {
  const floors = exact.map((x) => x.toDecimalPlaces(2, Decimal.ROUND_FLOOR));
  let missing = total
    .minus(floors.reduce((a, b) => a.plus(b), new Dec(0)))
    .times(100)
    .toNumber();
  const order = exact
    .map((_, i) => i)
    .sort((a, b) => exact[b].minus(floors[b]).comparedTo(exact[a].minus(floors[a])) || a - b);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) floors[order[k]] = floors[order[k]].plus('0.01');
  return floors;
}

function allocationFromSums(rows) {
  const zero = new Dec(0);
  const direct = { web: zero, data: zero, platform: zero };
  let networking = zero,
    shared = zero,
    unallocated = zero,
    total = zero;
  const byRule = {};
  const currencies = new Set();
  for (const [rule, target, currency, amountText] of rows) {
    const amount = new Dec(amountText);
    currencies.add(currency);
    total = total.plus(amount);
    byRule[RULE_NAMES[rule]] = (byRule[RULE_NAMES[rule]] ?? zero).plus(amount);
    if (rule === 1 || (rule === 2 && target)) direct[target] = direct[target].plus(amount);
    else if (rule === 3) networking = networking.plus(amount);
    else if (rule === 4) shared = shared.plus(amount);
    else unallocated = unallocated.plus(amount); // no rule, or a team tag that names no target: `unallocated: platform`
  }
  const exact = {
    web: direct.web.plus(networking.div(2)).plus(shared.times('0.5')),
    data: direct.data.plus(networking.div(2)).plus(shared.times('0.3')),
    platform: direct.platform.plus(shared.times('0.2')).plus(unallocated),
  };
  // Amounts not rounded to cents (real exports) are allocated exactly; the targets are rounded to the cents of
  // the total rounded half up, as a ledger shows it.
  const rounded = largestRemainder(
    TARGETS.map((t) => exact[t]),
    total.toDecimalPlaces(2, Decimal.ROUND_HALF_UP),
  );
  return {
    currency: currencies.size === 1 ? [...currencies][0] : [...currencies].join(','),
    total: total.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
    targets: Object.fromEntries(TARGETS.map((t, i) => [t, rounded[i].toFixed(2)])),
    exact: Object.fromEntries(TARGETS.map((t) => [t, exact[t].toFixed()])),
    byRule: Object.fromEntries(Object.entries(byRule).map(([k, v]) => [k, v.toFixed(2)])),
    pools: {
      networking: networking.toFixed(2),
      sharedResourceGroups: shared.toFixed(2),
      unallocated: unallocated.toFixed(2),
    },
  };
}

export async function runDuckdb({ file, job, config = 'best', out, dateFormat = '%m/%d/%Y', threads = 2 }) {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
  const queryStarted = performance.now();
  let result;
  if (job === 'check') {
    if (!out) throw new Error('--out is needed for the check job (its findings are written there)');
    await connection.run(checkSql(file, dateFormat, config, out));
    result = { findingsFile: out };
  } else if (job === 'allocate') {
    const rows = (await connection.runAndReadAll(allocateSql(file, dateFormat))).getRowsJS();
    result = allocationFromSums(rows.map((r) => [Number(r[0]), r[1], r[2], r[3]]));
  } else {
    throw new Error(`unknown job ${job}`);
  }
  const queryMs = performance.now() - queryStarted;
  connection.closeSync?.();
  instance.closeSync?.();
  return { engine: 'duckdb', duckdbVersion: version, job, config, threads, queryMs: Math.round(queryMs), ...result };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      job: { type: 'string', default: 'check' },
      config: { type: 'string', default: 'best' },
      out: { type: 'string' },
      'date-format': { type: 'string', default: '%m/%d/%Y' },
      threads: { type: 'string', default: '2' },
    },
  });
  if (!values.file || !['best', 'twoscan', 'window'].includes(values.config)) {
    console.error(
      'usage: node scripts/bench/duckdb.mjs --file usage.csv --job check|allocate [--config best|twoscan|window] ' +
        '[--out F] [--date-format F] [--threads 2]',
    );
    process.exit(2);
  }
  const result = await runDuckdb({
    file: values.file,
    job: values.job,
    config: values.config,
    out: values.out,
    dateFormat: values['date-format'],
    threads: Number(values.threads),
  });
  result.processMs = Math.round(performance.now() - started);
  process.stdout.write(JSON.stringify(result) + '\n');
}
