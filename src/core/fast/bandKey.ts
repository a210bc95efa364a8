/**
 * (Part of the fast path: its design, for a newcomer, is in README.md.)
 *
 * The numbers the fast daily check packs into one exact key: a rating group, a UsageDate and a UnitPrice, each as a
 * small id the check hands out in order of first sight. The limits live here, beside the packing they make safe:
 * the check stops handing out ids at them (those rows take the reference path), and bandKey refuses ids past them
 * instead of silently making one key of two (group, day, price) triples.
 */

const GROUP_BITS = 19;
const DAY_BITS = 14;
const PRICE_BITS = 20;
// 19 + 14 + 20 = 53: every key is an integer below 2^53, exact in a double.
const GROUP_SHIFT = 2 ** (DAY_BITS + PRICE_BITS);
const DAY_SHIFT = 2 ** PRICE_BITS;

/** Rating groups the fast check numbers (a month of more goes the reference way from there on). */
export const MAX_GROUP_IDS = 2 ** GROUP_BITS;
/** Distinct UsageDate cells it numbers. */
export const MAX_DAY_IDS = 2 ** DAY_BITS;
/** Distinct UnitPrice cells it numbers. */
export const MAX_PRICE_IDS = 2 ** PRICE_BITS;

/**
 * One number for (group, day, price): group x 2^34 + day x 2^20 + price, below 2^53 and so exact in a double, and
 * distinct for distinct triples as long as each id is within its limit (which this asserts).
 */
export function bandKey(group: number, day: number, price: number): number {
  if (
    !(group >= 0 && group < MAX_GROUP_IDS && day >= 0 && day < MAX_DAY_IDS && price >= 0 && price < MAX_PRICE_IDS) ||
    (group | 0) !== group ||
    (day | 0) !== day ||
    (price | 0) !== price
  ) {
    throw new RangeError(`band key out of range: group ${group}, day ${day}, price ${price}`);
  }
  return group * GROUP_SHIFT + day * DAY_SHIFT + price;
}
