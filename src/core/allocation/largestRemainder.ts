/**
 * The largest-remainder method: rounds exact shares to whole units (cents) so that they add up to a given total.
 * Each share first gets its floor; the units still missing go one by one to the shares with the largest
 * remainders; equal remainders go in the order the shares are listed (callers list targets in declaration order,
 * unallocated last). When the floors overshoot or undershoot by more than the number of shares (only possible for
 * totals that are not the sum of the shares), whole rounds are given or taken first, so the result always adds up.
 */
import { Rational } from './rational';

/**
 * @param shares exact values, in tie-break order
 * @param totalUnits what the rounded shares must add up to, in units of 10^-scale
 * @returns the rounded shares in units, same order
 */
export function largestRemainder(shares: readonly Rational[], totalUnits: bigint, scale = 2): bigint[] {
  const n = shares.length;
  if (n === 0) {
    if (totalUnits !== 0n) throw new RangeError('No shares to carry a non-zero total');
    return [];
  }
  const unit = Rational.of(1n, 10n ** BigInt(scale));
  const floors = shares.map((s) => s.floorUnits(scale));
  const remainders = shares.map((s, i) => s.minus(Rational.of(floors[i], 1n).times(unit)));
  let missing = totalUnits - floors.reduce((a, b) => a + b, 0n);
  const count = BigInt(n);
  if (missing >= count || missing < 0n) {
    // Whole rounds first: floor division keeps the rest in [0, n).
    const rounds = missing >= 0n ? missing / count : -((-missing + count - 1n) / count);
    for (let i = 0; i < n; i++) floors[i] += rounds;
    missing -= rounds * count;
  }
  // Stable order: larger remainder first, then listing order.
  const order = shares.map((_, i) => i).sort((a, b) => remainders[b].cmp(remainders[a]) || a - b);
  for (let k = 0; k < Number(missing); k++) floors[order[k]] += 1n;
  return floors;
}
