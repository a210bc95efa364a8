import { strict as assert } from 'node:assert';
import { Dec } from '../../src/core/money';
import { FailingRowVerdicts, type VerdictGroup, type VerdictPrice } from '../../src/core/rating/fastVerdict';
import {
  FIELDS,
  F_BT_DEC,
  F_BT_FRAC,
  F_BT_INT,
  F_BT_NEG,
  F_DAY,
  F_EUP_CELL,
  F_EUP_DEC,
  F_EUP_FRAC,
  F_EUP_INT,
  F_FX,
  F_GROUP_DAY,
  F_INDEX,
  F_LINE,
  F_PRICE,
  F_QTY,
} from '../../src/core/rating/spoolFields';

/**
 * The fast verdict's caches (per group and price, and the current group-day and price) against the same verdicts
 * made without them (a new FailingRowVerdicts per row): rows that switch group-day, price, price decimals and group
 * between and within runs must get the finding they get alone.
 */
describe('fast verdicts of failing rows, with what a group-day shares worked out once', () => {
  const fraction = (text: string): VerdictGroup['fractionParts'] => {
    const [i, f = ''] = text.split('.');
    return { n: BigInt(i + f), d: 10n ** BigInt(f.length) };
  };
  const group = (id: number, rating: number, pct: string, meterId: string): VerdictGroup & { rating: number } => ({
    id,
    rating,
    groupKey: `key-${id}`,
    meterId,
    currency: 'EUR',
    fraction: new Dec(pct),
    fractionParts: fraction(pct),
  });
  // Two groups of one rating group (ids differ: cells that differ only in case; the second with a row left out of
  // its sums, so that its words differ), a third with its own fraction.
  const groups = [group(0, 0, '0.85', 'm-a'), group(1, 0, '0.85', 'm-b'), group(2, 1, '0.8', 'm-c')];
  const prices: VerdictPrice[] = [
    { P: 100n, p: 2 }, // 1.00
    { P: 123457n, p: 5 }, // 1.23457
  ];
  /** Month-to-date quantity per group-day, units of 10^-15 (group-day id = rating x 10 + day). */
  const quantities = new Map<number, bigint>([
    [0, 10n * 10n ** 15n],
    [1, 25n * 10n ** 15n + 5n * 10n ** 14n],
    [2, 3n * 10n ** 13n],
    [10, 7n * 10n ** 15n],
    [11, 123456789n * 10n ** 9n],
  ]);
  const monthToDate = (calls: number[]) => (_g: VerdictGroup, _day: number, gd: number) => {
    calls.push(gd);
    return quantities.get(gd);
  };
  const leftOut = (g: VerdictGroup): number => (g.groupKey === 'key-2' ? 2 : g.groupKey === 'key-1' ? 1 : 0);

  /** A row priced `eup` (with `d` decimals) of group g on a day, billed from its own price. */
  interface Row {
    g: number;
    day: number;
    price: number;
    eupInt: number;
    eupFrac: number;
    d: number;
    quantity: number;
  }
  const spool = (rows: Row[]): Float64Array => {
    const f = new Float64Array(rows.length * FIELDS);
    rows.forEach((r, k) => {
      const at = k * FIELDS;
      f[at + F_GROUP_DAY] = groups[r.g].rating * 10 + r.day;
      f[at + F_DAY] = r.day;
      f[at + F_PRICE] = r.price;
      f[at + F_EUP_INT] = r.eupInt;
      f[at + F_EUP_FRAC] = r.eupFrac;
      f[at + F_EUP_DEC] = r.d;
      f[at + F_EUP_CELL] = 2 * (100 + k) + (k % 2);
      f[at + F_QTY] = r.quantity;
      f[at + F_FX] = 1;
      // Billed from its own price to 15 decimals (the impact then rounds half up to the cent).
      const billed = (r.eupInt + r.eupFrac / 10 ** r.d) * r.quantity;
      const whole = Math.floor(billed);
      f[at + F_BT_INT] = whole;
      f[at + F_BT_FRAC] = Math.round((billed - whole) * 1e6) * 1e9;
      f[at + F_BT_NEG] = 0;
      f[at + F_BT_DEC] = 6;
      f[at + F_LINE] = 1 + k;
      f[at + F_INDEX] = 1 + k;
    });
    return f;
  };

  it('words a row as the band derivation says, the money to the cent', () => {
    const calls: number[] = [];
    const v = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate(calls));
    const f = spool([{ g: 0, day: 0, price: 0, eupInt: 1, eupFrac: 0, d: 2, quantity: 1.25 }]);
    const finding = v.verdict(f, 0, groups[0], prices[0]);
    // Q = 10, UnitPrice 1 x 0.85: BC = FLOOR(8.5 x 100) cents = 8.50, lower 0.85; billed 1.25 - 0.85 x 1.25 = 0.1875.
    assert.equal(
      finding?.message,
      'EffectiveUnitPrice 1.00 should be 0.85 (10 units month to date, UnitPrice 1 x (1 - 15%): BC 8.50 / BCU; ' +
        'consistent range 0.85 to 0.85); overcharged EUR 0.19 on this row.',
    );
    assert.equal(v.cents, 19);
    assert.deepEqual(
      [finding?.severity, finding?.impact, finding?.actual, finding?.expected, finding?.character],
      ['error', '0.19', '1.00', '0.85', 100],
    );
    assert.deepEqual(calls, [0]);
  });

  it('gives every row what it gets alone, across group-days, prices, decimals and groups of one rating group', () => {
    const rows: Row[] = [];
    const eups: [number, number, number][] = [
      [1, 0, 2],
      [1, 0, 6],
      [1, 5, 1],
      [2, 34567, 5],
      [1, 23457, 5],
      [0, 9, 1], // below the band: no verdict here
    ];
    // Half the rows repeat the row before; the others change exactly one of group, day, price and price text, so
    // that every key of the caches is changed alone (seeded: the same rows every run).
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const days = (g: number): number => (groups[g].rating === 1 ? 2 : 3);
    let g = 0;
    let day = 0;
    let price = 0;
    let eup = 0;
    for (let k = 0; k < 600; k++) {
      if (next(2) === 1) {
        const which = next(4);
        if (which === 0) g = (g + 1 + next(2)) % 3;
        else if (which === 1) day = (day + 1) % days(g);
        else if (which === 2) price = 1 - price;
        else eup = (eup + 1 + next(eups.length - 1)) % eups.length;
      }
      day %= days(g);
      const [eupInt, eupFrac, d] = eups[eup];
      rows.push({ g, day, price, eupInt, eupFrac, d, quantity: 0.5 + (k % 13) * 1.37 });
    }
    const f = spool(rows);
    const calls: number[] = [];
    const cached = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate(calls));
    let made = 0;
    let changes = 0;
    rows.forEach((r, k) => {
      const alone = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate([]));
      const want = alone.verdict(f, k * FIELDS, groups[r.g], prices[r.price]);
      const got = cached.verdict(f, k * FIELDS, groups[r.g], prices[r.price]);
      assert.deepEqual(got, want, `row ${k}`);
      if (want) {
        made++;
        assert.equal(cached.cents, alone.cents, `row ${k}`);
      }
      const p = rows[k - 1];
      if (k > 0 && (p.g !== r.g || p.day !== r.day || p.price !== r.price)) changes++;
    });
    assert.ok(made > 300, `${made} verdicts`);
    // The month-to-date quantity is asked once per run of rows of one group-day and price, not per row.
    assert.ok(
      calls.length <= changes + 1 && calls.length < rows.length / 2,
      `${calls.length} asked, ${changes} changes`,
    );
    // The left-out note of group 2 is part of its rows' words.
    assert.ok(
      rows.some(
        (r, k) =>
          r.g === 2 &&
          cached
            .verdict(f, k * FIELDS, groups[2], prices[r.price])
            ?.message.includes('2 rows of this meter were left out'),
      ),
    );
  });

  it('gives the rows of a group of many prices what they get alone', () => {
    // 40 prices on one group-day, cycled and then repeated in runs.
    const many: VerdictPrice[] = Array.from({ length: 40 }, (_, i) => ({ P: BigInt(100 + 7 * i), p: 2 }));
    const rows: Row[] = [];
    for (let k = 0; k < 240; k++) {
      const price = k < 120 ? k % 40 : Math.floor(k / 3) % 40;
      const P = Number(many[price].P);
      rows.push({ g: 0, day: 1, price, eupInt: Math.floor(P / 100), eupFrac: P % 100, d: 2, quantity: 1.1 + k * 0.37 });
    }
    const f = spool(rows);
    const cached = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate([]));
    let made = 0;
    rows.forEach((r, k) => {
      const alone = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate([]));
      const want = alone.verdict(f, k * FIELDS, groups[0], many[r.price]);
      assert.deepEqual(cached.verdict(f, k * FIELDS, groups[0], many[r.price]), want, `row ${k}`);
      if (want) made++;
    });
    assert.ok(made > 200, `${made} verdicts`);
  });

  it('gives the rows of one price charged at many fractions what they get alone, its few kept fractions starting over', () => {
    // 24 groups of one price, each with its own fraction (more than a price keeps), on one day each.
    const fractions = Array.from({ length: 24 }, (_, i) => group(10 + i, 10 + i, `0.${50 + i}`, `m-${i}`));
    const rows: Row[] = [];
    const of: VerdictGroup[] = [];
    for (let k = 0; k < 240; k++) {
      const i = k < 120 ? k % 24 : Math.floor(k / 5) % 24;
      of.push(fractions[i]);
      rows.push({ g: 0, day: 0, price: 0, eupInt: 1, eupFrac: 0, d: 2, quantity: 1.1 + k * 0.37 });
    }
    const f = spool(rows);
    const calls: number[] = [];
    const cached = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate(calls));
    let made = 0;
    rows.forEach((_r, k) => {
      // Each group its own group-day (same month-to-date quantity): the fraction alone changes the words.
      f[k * FIELDS + F_GROUP_DAY] = 0;
      const alone = new FailingRowVerdicts(leftOut, 'EffectiveUnitPrice', new Dec('0.001'), monthToDate([]));
      const want = alone.verdict(f, k * FIELDS, of[k], prices[0]);
      assert.deepEqual(cached.verdict(f, k * FIELDS, of[k], prices[0]), want, `row ${k}`);
      if (want) made++;
    });
    assert.ok(made > 200, `${made} verdicts`);
  });
});
