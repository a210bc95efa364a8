/**
 * Dates as Partner Center writes them: ISO (2026-07-01, optionally with a time) or US style (7/1/2026, optionally
 * with a time such as "12:00:00 AM"). A slash date is read month-first unless the user says day-first: the order is
 * a setting, never guessed per value, and a value that does not fit the chosen order is reported, not reinterpreted.
 */

export type DateOrder = 'MDY' | 'DMY';

export type DateResult = { ok: true; iso: string } | { ok: false; reason: string };

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function build(year: number, month: number, day: number): DateResult {
  if (month < 1 || month > 12) return { ok: false, reason: `month ${month} does not exist` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, reason: `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')}` };
  return { ok: true, iso: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

/** Parses a date cell to yyyy-mm-dd (the time of day, always midnight in these files, is dropped). */
export function parseBillingDate(text: string, order: DateOrder = 'MDY'): DateResult {
  const t = text.trim();
  if (t === '') return { ok: false, reason: 'the date is empty' };
  let m = ISO.exec(t);
  if (m) return build(Number(m[1]), Number(m[2]), Number(m[3]));
  m = SLASHED.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const year = Number(m[3]);
    const r = order === 'MDY' ? build(year, a, b) : build(year, b, a);
    if (!r.ok) {
      const other = order === 'MDY' ? build(year, b, a) : build(year, a, b);
      if (other.ok) {
        const otherName = order === 'MDY' ? 'day-first (DMY)' : 'month-first (MDY)';
        return {
          ok: false,
          reason: `${r.reason} when read ${order === 'MDY' ? 'month-first (MDY)' : 'day-first (DMY)'}; the file may use ${otherName} dates (setting "dateOrder")`,
        };
      }
    }
    return r;
  }
  return { ok: false, reason: 'not a date (expected 2026-07-01 or 7/1/2026)' };
}

/** True when a slash date could be read both ways (both parts 12 or less and different). */
export function isAmbiguousSlashDate(text: string): boolean {
  const m = SLASHED.exec(text.trim());
  return !!m && Number(m[1]) <= 12 && Number(m[2]) <= 12 && m[1] !== m[2];
}
