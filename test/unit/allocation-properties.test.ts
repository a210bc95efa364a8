/**
 * Property tests with a seeded generator: on hundreds of random rules files and random cost lines (refunds,
 * sub-cent retail amounts, thirds, PEC, commitments, markups), the money always adds up. Targets + unallocated =
 * source total to the cent; every export adds up to it too; the FOCUS lines add up to it exactly. A failure
 * prints the seed, so it can be replayed.
 */
import assert from 'node:assert/strict';
import type { CostLine } from '../../src/core/allocation/costLine';
import { allocateSync } from '../../src/core/allocation/engine';
import type { AllocationResult } from '../../src/core/allocation/result';
import { largestRemainder } from '../../src/core/allocation/largestRemainder';
import { parseRules } from '../../src/core/allocation/parseRules';
import { Rational } from '../../src/core/allocation/rational';
import { Dec, roundCents } from '../../src/core/money';
import { focusCsv } from '../../src/core/exports/focusCsv';
import { journalLines } from '../../src/core/exports/journalCsv';
import { chargebackReportCsv } from '../../src/core/exports/reportCsv';
import { resultToJson } from '../../src/core/exports/resultJson';
import { line, pick, seededRandom } from '../fixtures/allocation/lines';

const CATEGORIES = ['Virtual Machines', 'Storage', 'Bandwidth', 'Virtual Network', 'Key Vault', 'Functions'];
const GROUPS = ['rg-web', 'rg-data', 'rg-shared-mon', 'rg-platform', 'rg-misc'];
const TEAMS = ['t0', 'T1', 't2', 'marketing', 'unknown'];

interface Scenario {
  text: string;
  lines: CostLine[];
}

function randomAmount(random: () => number, decimals: number): string {
  const sign = random() < 0.1 ? -1 : 1;
  const magnitude = Math.floor(random() * 10 ** (random() < 0.3 ? 3 : 6));
  return new Dec(sign * magnitude).div(10 ** decimals).toFixed();
}

export function scenario(seed: number): Scenario {
  const random = seededRandom(seed);
  const targetCount = 1 + Math.floor(random() * 5);
  const targets = Array.from({ length: targetCount }, (_, i) => `t${i}`);
  const amount = pick(random, ['billed', 'billed', 'retail']);
  let text = `chargeback: 1\namount: ${amount}\ntargets:\n`;
  for (const t of targets)
    text += `  ${t}: { name: Team ${t}${random() < 0.2 ? `, markup: ${Math.floor(random() * 20)}` : ''} }\n`;
  if (random() < 0.5) text += `unallocated: ${pick(random, targets)}\n`;
  if (random() < 0.3) text += `pec: { mode: keep, to: ${pick(random, targets)} }\n`;
  const amortize = random() < 0.3;
  if (amortize)
    text += `commitments: { amortize: true${random() < 0.5 ? `, unused: ${pick(random, targets)}` : ''} }\n`;
  const ruleCount = Math.floor(random() * 8);
  text += ruleCount > 0 ? 'rules:\n' : '';
  for (let r = 0; r < ruleCount; r++) {
    const conditions: string[] = [];
    if (random() < 0.5)
      conditions.push(`meterCategory: [${pick(random, CATEGORIES)}, "${pick(random, ['V*', 'S?orage', 'Band*'])}"]`);
    if (random() < 0.4)
      conditions.push(`resourceGroup: "${pick(random, ['rg-*', 'rg-web', 'rg-shared-*', 'RG-PLATFORM'])}"`);
    if (random() < 0.3) conditions.push(`tag: { team: "${pick(random, ['*', 't?', 'marketing'])}" }`);
    if (random() < 0.2) conditions.push(`not: { region: westeurope }`);
    if (conditions.length === 0) conditions.push(`region: "*"`);
    text += `  - name: rule ${r}\n    match: { ${conditions.join(', ')} }\n`;
    const kind = random();
    const subset = targets.filter(() => random() < 0.7);
    const list = subset.length > 0 ? subset : [targets[0]];
    if (kind < 0.3) text += `    to: ${pick(random, targets)}\n`;
    else if (kind < 0.45) text += `    to: { tag: team }\n`;
    else if (kind < 0.6) text += `    split: { evenly: [${list.join(', ')}] }\n`;
    else if (kind < 0.8) {
      let left = 100;
      const parts = list.map((t, i) => {
        const p = i === list.length - 1 ? left : Math.floor(random() * left);
        left -= p;
        return `${t}: ${p}`;
      });
      text += `    split: { percent: { ${parts.join(', ')} } }\n`;
    } else
      text += `    split: { proportional: [${list.join(', ')}], basis: ${pick(random, ['direct', 'compute', 'storage', 'network'])} }\n`;
    if (random() < 0.15) text += `    markup: ${Math.floor(random() * 10)}.5\n`;
  }
  const lineCount = Math.floor(random() * 60);
  const lines: CostLine[] = [];
  for (let i = 0; i < lineCount; i++) {
    const purchase = amortize && random() < 0.1;
    const usage = amortize && !purchase && random() < 0.3;
    lines.push(
      line({
        line: i + 2,
        billed: randomAmount(random, 2),
        retail: random() < 0.9 ? randomAmount(random, 1 + Math.floor(random() * 6)) : undefined,
        pec: random() < 0.3 ? pick(random, ['0.15', '15', '0']) : undefined,
        meterCategory: pick(random, CATEGORIES),
        resourceGroup: pick(random, GROUPS),
        region: pick(random, ['westeurope', 'northeurope']),
        tags: random() < 0.6 ? { team: pick(random, TEAMS) } : {},
        reservationOrderId: purchase ? pick(random, ['order-a', 'order-b']) : undefined,
        benefitOrderId: usage ? pick(random, ['order-a', 'ORDER-A', 'order-c']) : undefined,
        date: `2026-07-${String(1 + Math.floor(random() * 31)).padStart(2, '0')}`,
      }),
    );
  }
  return { text, lines };
}

function sumColumn(csv: string, name: string): Dec {
  const rows = csv
    .trim()
    .split('\n')
    .map((r) => r.split(','));
  const i = rows[0].indexOf(name);
  // Columns before the money columns of these scenarios hold no commas; the check is on plain numbers.
  return rows.slice(1).reduce((a, r) => (r[i] === '' ? a : a.plus(r[i])), new Dec(0));
}

/** FOCUS x_ChargebackAmount per "target|rule" (rows here never hold commas before those columns' ends). */
function cellSums(csv: string): Map<string, Dec> {
  const rows = csv
    .trim()
    .split('\n')
    .map((r) => r.split(','));
  const [amount, target, rule] = ['x_ChargebackAmount', 'x_ChargebackTarget', 'x_ChargebackRule'].map((c) =>
    rows[0].indexOf(c),
  );
  const out = new Map<string, Dec>();
  for (const r of rows.slice(1)) {
    const key = `${r[target]}|${r[rule]}`;
    out.set(key, (out.get(key) ?? new Dec(0)).plus(r[amount]));
  }
  return out;
}

function reportCells(result: AllocationResult): Map<string, Dec> {
  const out = new Map<string, Dec>();
  for (const t of result.targets) for (const b of t.breakdown) out.set(`${t.id}|${b.rule}`, b.amount);
  for (const b of result.unallocated.breakdown) out.set(`|${b.rule}`, b.amount);
  return out;
}

describe('allocation properties (seeded random scenarios)', () => {
  const SEEDS = 300;

  it(`conserves money to the cent in ${SEEDS} random scenarios, in the result and in every export`, async function () {
    this.timeout(30_000);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { text, lines } = scenario(seed);
      const parsed = parseRules(text);
      assert.equal(parsed.hasErrors, false, `seed ${seed}: ${JSON.stringify(parsed.problems)}\n${text}`);
      const result = allocateSync(parsed.model, lines);
      const ctx = `seed ${seed}\n${text}`;
      assert.equal(result.ok, true, ctx);
      const amountOf = (l: CostLine): Dec => (parsed.model.amount === 'retail' ? (l.retail ?? l.billed) : l.billed);
      const source = lines.reduce((a, l) => a.plus(amountOf(l)), new Dec(0));
      assert.equal(result.sourceTotal.toFixed(), source.toFixed(), ctx);
      const total = roundCents(source);
      assert.equal(result.total.toFixed(2), total.toFixed(2), ctx);

      // targets + unallocated = total; each breakdown adds up to its target; rules + channels = total
      const sinks = result.targets.reduce((a, t) => a.plus(t.amount), result.unallocated.amount);
      assert.equal(sinks.toFixed(2), total.toFixed(2), ctx);
      for (const t of [...result.targets, { id: '(unallocated)', ...result.unallocated }]) {
        if (t.breakdown.length === 0) continue;
        assert.equal(
          t.breakdown.reduce((a, b) => a.plus(b.amount), new Dec(0)).toFixed(2),
          t.amount.toFixed(2),
          `${ctx}\n${t.id}`,
        );
      }
      const channels = result.rules.reduce(
        (a, r) => a.plus(r.allocated),
        result.channels.reduce((a, c) => a.plus(c.allocated), new Dec(0)),
      );
      assert.equal(channels.toFixed(2), total.toFixed(2), ctx);
      for (const t of result.targets) {
        assert.ok(t.amount.decimalPlaces() <= 2, ctx);
        assert.equal(t.charged.toFixed(2), t.amount.plus(t.markup).toFixed(2), ctx);
      }

      // exports
      assert.equal(sumColumn(chargebackReportCsv(result), 'Amount').toFixed(2), total.toFixed(2), `${ctx}\nreport`);
      const journal = journalLines(result, parsed.model);
      const debits = journal.reduce((a, l) => a.plus(l.debit), new Dec(0));
      const credits = journal.reduce((a, l) => a.plus(l.credit), new Dec(0));
      assert.equal(debits.toFixed(2), credits.toFixed(2), `${ctx}\njournal`);
      const json = resultToJson(result);
      assert.equal(
        json.targets.reduce((a, t) => a.plus(t.amount), new Dec(json.unallocated)).toFixed(2),
        json.total,
        `${ctx}\njson`,
      );
      const focus = await focusCsv(result, parsed.model, lines);
      assert.equal(sumColumn(focus, 'x_ChargebackAmount').toFixed(), source.toFixed(), `${ctx}\nfocus`);
      const billed = lines.reduce((a, l) => a.plus(l.billed), new Dec(0));
      assert.equal(sumColumn(focus, 'BilledCost').toFixed(), billed.toFixed(), `${ctx}\nfocus billed`);
      // With whole-cent lines, the FOCUS rows of each target x rule add up to exactly the report's row.
      if (source.decimalPlaces() <= 2 && lines.every((l) => amountOf(l).decimalPlaces() <= 2)) {
        const cells = cellSums(focus);
        for (const [key, amount] of reportCells(result)) {
          assert.equal((cells.get(key) ?? new Dec(0)).toFixed(2), amount.toFixed(2), `${ctx}\nfocus cell ${key}`);
          cells.delete(key);
        }
        for (const [key, amount] of cells)
          assert.equal(amount.toFixed(2), '0.00', `${ctx}\nfocus cell ${key} not in the report`);
      }
    }
  });

  it('rounds any shares by largest remainder to the requested total, each within one cent of its exact value', () => {
    const random = seededRandom(42);
    for (let run = 0; run < 500; run++) {
      const n = 1 + Math.floor(random() * 8);
      const shares = Array.from({ length: n }, () =>
        Rational.of(BigInt(Math.floor((random() - 0.2) * 1e7)), BigInt(1 + Math.floor(random() * 997))),
      );
      const exact = shares.reduce((a, s) => a.plus(s), Rational.ZERO);
      const totalCents = BigInt(roundCents(exact.toDecimal()).times(100).toFixed(0));
      const cents = largestRemainder(shares, totalCents);
      assert.equal(
        cents.reduce((a, c) => a + c, 0n),
        totalCents,
      );
      cents.forEach((c, i) => {
        const diff = Rational.of(c, 100n).minus(shares[i]);
        assert.ok(diff.cmp(Rational.of(1n, 100n)) < 0 && diff.cmp(Rational.of(-1n, 100n)) > 0, `run ${run}`);
      });
    }
  });
});
