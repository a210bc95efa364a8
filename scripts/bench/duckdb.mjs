#!/usr/bin/env node
// The bench's yardstick: the same re-rating (and the same allocation) as `chargeback check` / `allocate`, written as
// SQL for DuckDB (@duckdb/node-api, installed on first use by ensure-duckdb.mjs), run in its own process so that its time and peak RSS compare
// with the CLI's. Prints one JSON object on stdout.
//
//   node scripts/bench/duckdb.mjs --file usage.csv --job check|allocate --config auto|text [--threads 2]
//
// Configurations:
//   auto  read_csv with detected types (numbers come back as DOUBLE; only the US date format is given, because the
//         sniffer would otherwise read "8/1/2026" day-first and give up on "8/13/2026"). Money is cast back to
//         DECIMAL before any arithmetic; the printed precision of EffectiveUnitPrice is lost with the DOUBLE, so the
//         band's tolerance is half a unit of the 15th decimal plus the DOUBLE's own error.
//   text  every column read as VARCHAR (all_varchar) and cast: what a careful user does to keep exact decimals; the
//         tolerance comes from the printed decimals of EffectiveUnitPrice, exactly as the checker's.
//
// The rule (as src/core/rating/dailyUsage.ts implements it): rows not covered by a reservation are grouped per
// (CustomerId, SubscriptionId, MeterId, ChargeStartDate, (1 - PEC) x (1 - Credit)); BCU = the group's Quantity
// through the row's UsageDate (a RANGE window: all rows of a day share the day's total); the row is consistent when
// EUP lies in [FLOOR(UnitPrice x BCU x fraction, 2) / BCU, UnitPrice x fraction] +- tolerance. Division would turn
// DECIMAL into DOUBLE in DuckDB, so the lower bound is checked multiplied out: (EUP + tol) x BCU >= BC.
// Totals: |BillingPreTaxTotal - EUP x Quantity x FX| > 0.01 (and the same for PricingPreTaxTotal without FX).
import Decimal from 'decimal.js';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureDuckDB } from './ensure-duckdb.mjs';

const { DuckDBInstance } = await import(ensureDuckDB({ quiet: true }));

const started = performance.now();
const Dec = Decimal.clone({ precision: 60 });

/** half a unit of the n-th decimal, n = 0..16, as exact DECIMAL literals (DuckDB's pow() would be a DOUBLE). */
function toleranceFromDecimals(decimalsExpr) {
  const cases = [];
  for (let n = 0; n <= 16; n++) cases.push(`WHEN ${n} THEN CAST('${new Dec(10).pow(-n).div(2).toFixed()}' AS DECIMAL(18,17))`);
  return `CASE ${decimalsExpr} ${cases.join(' ')} ELSE CAST('0.00000000000000001' AS DECIMAL(18,17)) END`;
}

function source(file, config) {
  const path = `'${file.replace(/'/g, "''")}'`;
  return config === 'text'
    ? `read_csv(${path}, header = true, all_varchar = true)`
    : `read_csv(${path}, header = true, dateformat = '%m/%d/%Y')`;
}

/** The columns the rules need, typed the same way in both configurations. */
function typedRows(file, config) {
  const day = (col) => (config === 'text' ? `CAST(strptime(${col}, '%m/%d/%Y') AS DATE)` : col);
  const pct = (col) => `CASE WHEN CAST(${col} AS DECIMAL(12,8)) > 1 THEN CAST(${col} AS DECIMAL(12,8)) * CAST('0.01' AS DECIMAL(3,2)) ELSE CAST(${col} AS DECIMAL(12,8)) END`;
  const tolerance = config === 'text'
    ? toleranceFromDecimals(`CASE WHEN strpos(trim(EffectiveUnitPrice), '.') > 0 THEN length(trim(EffectiveUnitPrice)) - strpos(trim(EffectiveUnitPrice), '.') ELSE 0 END`)
    : `CAST('0.0000000000000005' AS DECIMAL(18,17)) + CAST(abs(EffectiveUnitPrice) * 3e-16 AS DECIMAL(18,17))`;
  return `
    SELECT
      lower(CustomerId) AS customer_id, lower(SubscriptionId) AS subscription_id, lower(MeterId) AS meter_id,
      ${day('ChargeStartDate')} AS charge_start, ${day('UsageDate')} AS usage_day,
      CAST(UnitPrice AS DECIMAL(14,8)) AS unit_price,
      CAST(Quantity AS DECIMAL(18,8)) AS quantity,
      CAST(EffectiveUnitPrice AS DECIMAL(21,16)) AS eup,
      ${tolerance} AS tol,
      CAST(BillingPreTaxTotal AS DECIMAL(18,2)) AS billing_total,
      CAST(PricingPreTaxTotal AS DECIMAL(18,2)) AS pricing_total,
      CAST(PCToBCExchangeRate AS DECIMAL(12,8)) AS fx,
      CAST((1 - ${pct('PartnerEarnedCreditPercentage')}) * (1 - ${pct(`coalesce(CreditPercentage, ${config === 'text' ? "'0'" : '0'})`)}) AS DECIMAL(12,8)) AS fraction,
      (coalesce(CAST(BenefitId AS VARCHAR), '') <> '' OR coalesce(CAST(BenefitType AS VARCHAR), '') <> '') AS covered,
      EntitlementId AS entitlement_id, ResourceURI AS resource_uri
    FROM ${source(file, config)}`;
}

function checkSql(file, config) {
  return `
    WITH typed AS (${typedRows(file, config)}),
    rated AS (
      SELECT *,
        SUM(quantity) OVER (
          PARTITION BY customer_id, subscription_id, meter_id, charge_start, fraction
          ORDER BY usage_day RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bcu
      FROM typed WHERE NOT covered
    ),
    banded AS (
      SELECT *,
        CASE WHEN bcu > 0
          THEN (eup + tol) * bcu >= floor(unit_price * bcu * fraction * 100) * CAST('0.01' AS DECIMAL(3,2))
               AND eup - tol <= unit_price * fraction
          ELSE abs(eup - unit_price * fraction) <= tol END AS consistent
      FROM rated
    ),
    totals AS (
      SELECT
        count(*) AS rows,
        count(*) FILTER (WHERE abs(billing_total - CAST(eup * quantity AS DECIMAL(38,20)) * fx) > CAST('0.01' AS DECIMAL(3,2))) AS billing_total_mismatches,
        count(*) FILTER (WHERE pricing_total IS NOT NULL AND abs(pricing_total - eup * quantity) > CAST('0.01' AS DECIMAL(3,2))) AS pricing_total_mismatches,
        CAST(sum(billing_total) AS VARCHAR) AS billed_total
      FROM typed
    )
    SELECT
      (SELECT rows FROM totals) AS rows,
      (SELECT billing_total_mismatches FROM totals) AS billing_total_mismatches,
      (SELECT pricing_total_mismatches FROM totals) AS pricing_total_mismatches,
      (SELECT billed_total FROM totals) AS billed_total,
      (SELECT count(*) FROM banded WHERE NOT consistent) AS eup_mismatches,
      (SELECT list(struct_pack(e := entitlement_id, r := resource_uri, m := meter_id, d := CAST(usage_day AS VARCHAR)))
         FROM (SELECT * FROM banded WHERE NOT consistent LIMIT 100000)) AS mismatched`;
}

/**
 * The bench's rules file (generate.mjs RULES_YAML) as SQL: the first matching rule wins (CASE in rule order);
 * direct sums per target, and the two split pools, are summed exactly; dividing the pools and rounding the targets
 * to cents (largest remainder, declaration order) happens in decimal.js on those few sums.
 */
function allocateSql(file, config) {
  return `
    WITH lines AS (
      SELECT
        CAST(BillingPreTaxTotal AS DECIMAL(18,2)) AS amount,
        BillingCurrency AS currency,
        EntitlementDescription AS entitlement_name, MeterCategory AS meter_category, ResourceGroup AS resource_group,
        CASE WHEN coalesce(Tags, '') = '' THEN NULL ELSE json_extract_string(Tags, '$.team') END AS team
      FROM ${source(file, config)}
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
const RULE_NAMES = { 0: '(unmatched)', 1: 'Data subscriptions', 2: 'Team tag', 3: 'Shared networking', 4: 'Shared resource groups' };

/** Largest remainder to cents, ties in listing order (as src/core/allocation/largestRemainder.ts). */
function largestRemainder(exact, total) {
  const floors = exact.map((x) => x.toDecimalPlaces(2, Decimal.ROUND_FLOOR));
  let missing = total.minus(floors.reduce((a, b) => a.plus(b), new Dec(0))).times(100).toNumber();
  const order = exact.map((_, i) => i).sort((a, b) => exact[b].minus(floors[b]).comparedTo(exact[a].minus(floors[a])) || a - b);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) floors[order[k]] = floors[order[k]].plus('0.01');
  return floors;
}

function allocationFromSums(rows) {
  const zero = new Dec(0);
  const direct = { web: zero, data: zero, platform: zero };
  let networking = zero, shared = zero, unallocated = zero, total = zero;
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
  const rounded = largestRemainder(TARGETS.map((t) => exact[t]), total);
  return {
    currency: currencies.size === 1 ? [...currencies][0] : [...currencies].join(','),
    total: total.toFixed(2),
    targets: Object.fromEntries(TARGETS.map((t, i) => [t, rounded[i].toFixed(2)])),
    exact: Object.fromEntries(TARGETS.map((t) => [t, exact[t].toFixed()])),
    byRule: Object.fromEntries(Object.entries(byRule).map(([k, v]) => [k, v.toFixed(2)])),
    pools: { networking: networking.toFixed(2), sharedResourceGroups: shared.toFixed(2), unallocated: unallocated.toFixed(2) },
  };
}

export async function runDuckdb({ file, job, config, threads = 2 }) {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
  const queryStarted = performance.now();
  let result;
  if (job === 'check') {
    const [row] = (await connection.runAndReadAll(checkSql(file, config))).getRowsJS();
    const [rows, billingTotalMismatches, pricingTotalMismatches, billedTotal, eupMismatches, mismatched] = row;
    result = {
      rows: Number(rows), eupMismatches: Number(eupMismatches), billingTotalMismatches: Number(billingTotalMismatches),
      pricingTotalMismatches: Number(pricingTotalMismatches), billedTotal,
      mismatched: (mismatched ?? []).map((m) => ({ entitlementId: m.e, resourceUri: m.r, meterId: m.m, usageDate: m.d })),
    };
  } else if (job === 'allocate') {
    const rows = (await connection.runAndReadAll(allocateSql(file, config))).getRowsJS();
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
  const { values } = parseArgs({ options: { file: { type: 'string' }, job: { type: 'string', default: 'check' }, config: { type: 'string', default: 'auto' }, threads: { type: 'string', default: '2' } } });
  if (!values.file || !['auto', 'text'].includes(values.config)) {
    console.error('usage: node scripts/bench/duckdb.mjs --file usage.csv --job check|allocate --config auto|text [--threads 2]');
    process.exit(2);
  }
  const out = await runDuckdb({ file: values.file, job: values.job, config: values.config, threads: Number(values.threads) });
  out.processMs = Math.round(performance.now() - started);
  process.stdout.write(JSON.stringify(out) + '\n');
}
