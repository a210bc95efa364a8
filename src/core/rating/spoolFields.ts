/**
 * (Part of the fast path: its design, for a newcomer, is in ../fast/README.md.)
 *
 * The layout of one row in the daily check's spool (fastDaily.ts): FIELDS doubles per row, the first pass writes
 * them, the second reads them back. Shared with fastVerdict.ts, which reads a failing row's numbers straight from
 * the spool's Float64Array instead of from an object built per row.
 */
export const F_KIND = 0; // 0: proved in pass 2 from these numbers; 1: the reference checks the row's bytes
export const F_GROUP = 1;
export const F_DAY = 2;
export const F_PRICE = 3;
export const F_EUP_INT = 4;
export const F_EUP_FRAC = 5;
export const F_EUP_DEC = 6; // decimals, +16 when negative
export const F_QTY = 7;
export const F_FX = 8;
export const F_BT_INT = 9;
export const F_BT_FRAC = 10; // units of 10^-15
export const F_BT_NEG = 11;
export const F_PT = 12; // NaN when empty
export const F_OFFSET = 13;
export const F_LENGTH = 14;
export const F_LINE = 15;
export const F_INDEX = 16;
export const F_GROUP_DAY = 17; // the row's group-day id (-1: covered usage, not summed)
export const F_BT_DEC = 18; // the decimals BillingPreTaxTotal prints (a total printed in cents was rounded down to cents)
export const F_EUP_CELL = 19; // where EffectiveUnitPrice starts on the row's line, x 2 (+1 quoted); -1: not known or not plain
export const F_QTY_INT = 20; // Quantity exactly: whole units and units of 10^-15, of one sign
export const F_QTY_FRAC = 21;
export const F_FX_INT = 22; // PCToBCExchangeRate exactly, the same way
export const F_FX_FRAC = 23;
export const FIELDS = 24;
