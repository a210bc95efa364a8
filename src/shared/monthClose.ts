/**
 * What the month-close commands return (the "Billing Months" view's tie-out and the dispute packet export), typed
 * once for the extension, scripts that run the commands, and the integration tests.
 */
import type { TieOutMonth } from '../core/monthClose/tieOut';

/** One row of the view as rendered: label, description and children. */
export interface BillingMonthItem {
  label: string;
  description: string;
  children: BillingMonthItem[];
}

/** Result of `chargeback.billingMonths.tieOut`. */
export interface BillingMonthsResult {
  months: TieOutMonth[];
  items: BillingMonthItem[];
}

/** Result of `chargeback.exportDisputePacket`. */
export interface DisputeExportResult {
  written: string[];
  items: number;
  problems: string[];
  html?: string;
}
