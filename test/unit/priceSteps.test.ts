/**
 * The tie-out's price steps in columns against a plain model (a map of steps per group): finding a group's step by
 * its price's bytes through the table's growth, the steps' sums, days and order, and the price drift, whose
 * integer path must give exactly what decimal.js gives step by step.
 */
import { strict as assert } from 'node:assert';
import type Decimal from 'decimal.js';
import { Dec, ZERO } from '../../src/core/money';
import { NO_STEP, PriceStepTable, type PriceSteps } from '../../src/core/monthClose/priceSteps';
import { seededRandom } from '../fixtures/allocation/lines';

interface ModelStep {
  eupText: string;
  quantity: Decimal;
  firstDay: string;
  lastDay: string;
  rows: number;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('price steps in columns', () => {
  it("finds, sums and lists each group's steps as a map of steps would, through the table growing", () => {
    const random = seededRandom(7);
    const int = (n: number) => Math.floor(random() * n);
    const table = new PriceStepTable();
    const groups: { steps: PriceSteps; model: Map<string, ModelStep> }[] = [];
    for (let g = 0; g < 300; g++) groups.push({ steps: table.group(), model: new Map() });
    const days = Array.from({ length: 31 }, (_, d) => `2026-08-${String(d + 1).padStart(2, '0')}`);
    // Prices shared between groups (the same bytes in two groups are two steps), some printed two ways.
    const prices = Array.from({ length: 40 }, (_, i) =>
      i % 5 === 0 ? `${i}.10` : (0.001 + i * 0.37).toFixed(1 + (i % 6)),
    );
    for (let n = 0; n < 20_000; n++) {
      const g = groups[int(groups.length)];
      const eupText = prices[int(prices.length)];
      const day = days[int(days.length)];
      const dayId = table.dayId(day);
      // Quantities as the byte reader sums them (whole units and units of 10^-15) or as decimals.
      const whole = int(5000) - 500;
      const units = int(1e6) * 1e9;
      const asDecimal = random() < 0.2;
      const quantity = new Dec(whole).plus(new Dec(units).div(1e15));
      const b = bytes(eupText);
      let s = g.steps.find(b, 0, b.length);
      if (s === NO_STEP) s = g.steps.add(b, 0, b.length, dayId);
      if (asDecimal) table.addDecimal(s, quantity, dayId);
      else table.addExact(s, whole, units, dayId);
      const known = g.model.get(eupText);
      if (!known) g.model.set(eupText, { eupText, quantity, firstDay: day, lastDay: day, rows: 1 });
      else {
        known.quantity = known.quantity.plus(quantity);
        known.rows++;
        if (day < known.firstDay) known.firstDay = day;
        if (day > known.lastDay) known.lastDay = day;
      }
    }
    let steps = 0;
    for (const g of groups) {
      const listed = g.steps.list();
      steps += listed.length;
      assert.equal(g.steps.size, g.model.size);
      assert.deepStrictEqual(
        listed.map((s) => [s.eupText, s.quantity.toString(), s.firstDay, s.lastDay, s.rows, s.eup.toString()]),
        [...g.model.values()].map((m) => [
          m.eupText,
          m.quantity.toString(),
          m.firstDay,
          m.lastDay,
          m.rows,
          new Dec(m.eupText).toString(),
        ]),
      );
      // The drift against the group's first price and against a price it never had.
      for (const last of [listed[0].eupText, '0.123456789012345']) {
        const eup = new Dec(last);
        let expected: Decimal = ZERO;
        for (const m of g.model.values())
          if (m.eupText !== last) expected = expected.plus(eup.minus(new Dec(m.eupText)).times(m.quantity));
        assert.equal(g.steps.drift(eup, last).toString(), expected.toString());
      }
    }
    assert.ok(steps > 4 * 1024, `${steps} steps: enough to grow the table several times`);
  });

  it('takes a price the integer path cannot (scientific, more than 15 decimals) through decimal.js', () => {
    const table = new PriceStepTable();
    const g = table.group();
    const day = table.dayId('2026-08-01');
    const quantities: [string, number, number][] = [
      ['1.5E-3', 10, 0],
      ['0.1234567890123456', 3, 500_000_000_000_000],
      ['-0.25', 2, 0],
      ['7', 1, 0],
    ];
    let expected: Decimal = ZERO;
    const eup = new Dec('0.3');
    for (const [price, whole, units] of quantities) {
      const b = bytes(price);
      table.addExact(g.add(b, 0, b.length, day), whole, units, day);
      expected = expected.plus(eup.minus(new Dec(price)).times(new Dec(whole).plus(new Dec(units).div(1e15))));
    }
    assert.equal(g.drift(eup, '0.3').toString(), expected.toString());
    assert.deepStrictEqual(
      g.list().map((s) => s.eupText),
      quantities.map((q) => q[0]),
    );
  });
});
