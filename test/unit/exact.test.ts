import { strict as assert } from 'node:assert';
import { DecimalSum, ExactSum, type ExactParts } from '../../src/core/fast/exact';
import { ParsedNumber, parsePlainDecimal } from '../../src/core/fast/byteCsv';
import { Dec } from '../../src/core/money';
import { seededRandom } from '../fixtures/allocation/lines';

/** The exact parts of a plain decimal, as the fast reader makes them (parse, then ExactSum). */
function partsOf(text: string): ExactParts {
  const bytes = Buffer.from(text);
  const num = new ParsedNumber();
  assert.ok(parsePlainDecimal(bytes, 0, bytes.length, num), text);
  const s = new ExactSum();
  s.addParsed(num);
  assert.equal(num.neg, text.startsWith('-'));
  return { hi: s.hi, lo: s.lo };
}

function randomDecimal(rnd: () => number, big = false): string {
  const int = Math.floor(rnd() * (big ? 1e15 : rnd() < 0.5 ? 10 : 1e6));
  const decimals = Math.floor(rnd() * 16);
  let frac = '';
  for (let i = 0; i < decimals; i++) frac += Math.floor(rnd() * 10);
  return `${rnd() < 0.4 ? '-' : ''}${int}${decimals ? `.${frac}` : ''}`;
}

describe('exact sums of the fast readers', () => {
  it('ExactSum.toDecimal gives back every sum exactly, negative sums included', () => {
    const rnd = seededRandom(7);
    for (let n = 0; n < 2000; n++) {
      const sum = new ExactSum();
      let expected = new Dec(0);
      for (let k = 0, count = 1 + Math.floor(rnd() * 6); k < count; k++) {
        const t = randomDecimal(rnd);
        const p = partsOf(t);
        sum.addExact(p.hi, p.lo);
        expected = expected.plus(t);
      }
      assert.ok(sum.lo >= 0 && sum.lo < 1e15);
      assert.equal(sum.toDecimal().toFixed(), expected.toFixed());
    }
    assert.equal(new ExactSum().toDecimal().toFixed(), '0');
    const s = new ExactSum();
    s.addExact(-2, 5e14);
    assert.equal(s.toDecimal().toFixed(), '-1.5');
  });

  it('DecimalSum adds amounts with and without exact parts to the same total as decimal.js, also past 2^52 units', () => {
    const rnd = seededRandom(11);
    for (let n = 0; n < 500; n++) {
      const big = n % 10 === 0;
      const sum = new DecimalSum();
      let expected = new Dec(0);
      for (let k = 0, count = 1 + Math.floor(rnd() * 40); k < count; k++) {
        const t = randomDecimal(rnd, big);
        sum.add(new Dec(t), rnd() < 0.7 ? partsOf(t) : undefined);
        expected = expected.plus(t);
      }
      assert.equal(sum.value.toFixed(), expected.toFixed(), `case ${n}`);
    }
    // Past the exact range of doubles (2^52 units): the rest goes the decimal.js way, still exact.
    const sum = new DecimalSum();
    const t = '999999999999999.000000000000001';
    for (let k = 0; k < 10; k++) sum.add(new Dec(t), partsOf(t));
    assert.equal(sum.value.toFixed(), new Dec(t).times(10).toFixed());
  });

  it('DecimalSum keeps the sign of a lone negative zero, as decimal.js sums do', () => {
    const sum = new DecimalSum(new Dec('-0'));
    assert.equal(sum.value.isNegative(), true);
    assert.equal(new DecimalSum().value.toFixed(), '0');
  });
});
