/**
 * The fast daily check's group-day table (GroupDays in src/core/rating/fastDaily.ts) against a Map: the same
 * (rating group, day) always gets the same id, distinct ones distinct ids handed out 0, 1, 2, ... in order of first
 * sight, unseen ones none, and each id's exact sum is the sum of what was added to it; through many growths of its
 * slots, with rating groups and days chosen so that probes meet slots of the same rating group on other days.
 */
import { strict as assert } from 'node:assert';
import { GroupDays } from '../../src/core/rating/fastRange';
import { seededRandom } from '../fixtures/allocation/lines';

describe('GroupDays (the fast check’s group-day ids)', () => {
  it('hands out one id per (rating group, day), finds it again, and sums exactly into it', () => {
    const rnd = seededRandom(20261202);
    const table = new GroupDays();
    const ids = new Map<string, number>();
    const sums = new Map<number, bigint>();
    // Few rating groups with many days (probes meet their own group's other days) and many with few.
    const pick = (): [number, number] =>
      rnd() < 0.5
        ? [Math.floor(rnd() * 40), Math.floor(rnd() * 400)]
        : [Math.floor(rnd() * 60_000), Math.floor(rnd() * 31)];
    for (let n = 0; n < 150_000; n++) {
      const [rating, day] = pick();
      const key = `${rating}/${day}`;
      const expected = ids.get(key) ?? ids.size;
      const before = table.find(rating, day);
      assert.equal(before, ids.has(key) ? expected : -1, `find ${key} before`);
      const id = table.idOf(rating, day);
      assert.equal(id, expected, `idOf ${key}`);
      ids.set(key, id);
      assert.equal(table.rating[id], rating);
      assert.equal(table.day[id], day);
      const units = Math.floor(rnd() * 1000);
      const femtos = Math.floor(rnd() * 1e15);
      table.add(id, units, femtos);
      sums.set(id, (sums.get(id) ?? 0n) + BigInt(units) * 10n ** 15n + BigInt(femtos));
    }
    assert.equal(table.size, ids.size);
    for (const [key, id] of ids) {
      const [rating, day] = key.split('/').map(Number);
      assert.equal(table.find(rating, day), id, `find ${key} after`);
      assert.equal(BigInt(table.hi[id]) * 10n ** 15n + BigInt(table.lo[id]), sums.get(id), `sum of ${key}`);
    }
    // Pairs never added are not found, whether their rating group or their day was seen or not.
    for (const [rating, day] of [
      [0, 400],
      [39, 1000],
      [60_000, 0],
      [123_456, 7],
    ])
      assert.equal(table.find(rating, day), -1, `${rating}/${day} never added`);
  });
});
