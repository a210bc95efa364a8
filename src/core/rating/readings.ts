/**
 * How the benefit and credit columns of a daily rated usage row are read (domain page, section 1a). Real billed
 * exports contradict the literal column names, so the readings live here, in one place, each with the words the
 * hover and the findings use to say which reading was applied.
 */
import type Decimal from 'decimal.js';
import { ZERO } from '../money';

/**
 * BenefitType values that name a reservation or savings plan. "Charge" (every row of a real billed month) and an
 * empty cell are ordinary pay-as-you-go usage.
 */
const BENEFIT_TYPES = /reservation|reserved|savings?\s*plan/i;

/** True when a row's usage was covered by a reservation or savings plan, so it is not priced pay-as-you-go. */
export function isBenefitCovered(benefitId: string, benefitType: string): boolean {
  return benefitId.trim() !== '' || BENEFIT_TYPES.test(benefitType.trim());
}

/** The credits of a row as they apply to its price. */
export interface CreditReading {
  /** Partner earned credit, counted once. */
  pec: Decimal;
  /** A further credit of another type (e.g. Azure credit), applied after PEC. */
  further: Decimal;
  /** Which reading was used, in the user's words (hover, findings). */
  reading: string;
  /** Set when CreditPercentage and PartnerEarnedCreditPercentage disagree on a "Partner Earned Credit Applied" row. */
  disagreement?: { pec: Decimal; credit: Decimal };
}

/**
 * Reads PartnerEarnedCreditPercentage, CreditPercentage and CreditType (fractions already). CreditPercentage is the
 * rate of the credit that CreditType names: on a "Partner Earned Credit Applied" row it is the PEC itself, counted
 * once whichever column carries it; only a credit of another type lowers the price further. Without a CreditType,
 * a CreditPercentage equal to the PEC is read as the same credit, any other as a further credit.
 */
export function readCredits(pec: Decimal, credit: Decimal, creditType: string): CreditReading {
  const type = creditType.trim();
  const named = type === '' ? '' : `CreditType "${type}"`;
  if (/partner\s*earned\s*credit/i.test(type) && !/not\s*applied/i.test(type)) {
    if (pec.gt(0) && credit.gt(0) && !pec.eq(credit)) {
      return {
        pec,
        further: ZERO,
        disagreement: { pec, credit },
        reading: `${named}: PEC taken from PartnerEarnedCreditPercentage (CreditPercentage disagrees), counted once`,
      };
    }
    const rate = pec.gt(0) ? pec : credit;
    return { pec: rate, further: ZERO, reading: `${named}: CreditPercentage is the PEC, counted once` };
  }
  if (/not\s*applied/i.test(type) || /^none$/i.test(type)) {
    return { pec, further: ZERO, reading: `${named}: no credit beyond PartnerEarnedCreditPercentage` };
  }
  if (type === '') {
    if (credit.isZero()) return { pec, further: ZERO, reading: 'no CreditType, no credit' };
    if (credit.eq(pec))
      return {
        pec,
        further: ZERO,
        reading: 'no CreditType: CreditPercentage equals the PEC, read as the PEC, counted once',
      };
    return { pec, further: credit, reading: 'no CreditType: CreditPercentage read as a credit on top of PEC' };
  }
  return { pec, further: credit, reading: `${named}: CreditPercentage is a credit on top of PEC` };
}
