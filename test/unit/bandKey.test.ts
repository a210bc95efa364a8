import { strict as assert } from 'node:assert';
import { MAX_DAY_IDS, MAX_GROUP_IDS, MAX_PRICE_IDS, bandKey } from '../../src/core/fast/bandKey';

/** The fast daily check's (group, day, price) key: exact, distinct within the limits, refused past them. */
describe('bandKey', () => {
  it('packs the largest ids into an exact integer below 2^53, distinct from its neighbours', () => {
    const top = bandKey(MAX_GROUP_IDS - 1, MAX_DAY_IDS - 1, MAX_PRICE_IDS - 1);
    assert.equal(top, Number.MAX_SAFE_INTEGER);
    assert.equal(bandKey(0, 0, 0), 0);
    const seen = new Set<number>();
    for (const g of [0, 1, MAX_GROUP_IDS - 2, MAX_GROUP_IDS - 1])
      for (const d of [0, 1, MAX_DAY_IDS - 2, MAX_DAY_IDS - 1])
        for (const p of [0, 1, MAX_PRICE_IDS - 2, MAX_PRICE_IDS - 1]) {
          const k = bandKey(g, d, p);
          assert.ok(Number.isSafeInteger(k), `${g} ${d} ${p}`);
          assert.ok(!seen.has(k), `${g} ${d} ${p} collides`);
          seen.add(k);
        }
    assert.equal(seen.size, 64);
  });

  it('refuses an id at or past its limit, negative or not an integer (where keys would collide)', () => {
    // Past the price limit, (g, d, MAX_PRICE_IDS) would be the key of (g, d + 1, 0).
    assert.throws(() => bandKey(0, 0, MAX_PRICE_IDS), RangeError);
    assert.throws(() => bandKey(0, MAX_DAY_IDS, 0), RangeError);
    assert.throws(() => bandKey(MAX_GROUP_IDS, 0, 0), RangeError);
    assert.throws(() => bandKey(-1, 0, 0), RangeError);
    assert.throws(() => bandKey(0, -1, 0), RangeError);
    assert.throws(() => bandKey(0, 0, -1), RangeError);
    assert.throws(() => bandKey(0.5, 0, 0), RangeError);
    assert.throws(() => bandKey(0, 0, NaN), RangeError);
  });
});
