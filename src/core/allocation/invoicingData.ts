/**
 * Checks of the `invoicing:` section against the billing data, for the editor's diagnostics on every run of the
 * rules (the invoice command checks the same again on the invoice data): draft and final patterns that match no
 * file, and a reservation scope or common subscription that names no subscription of the data or the section.
 */
import type { DataPatternMatch } from './dataFiles';
import type { DataHarvest } from './harvest';
import type { Located, RulesFile } from './model';
import type { Problem } from './problems';

export function invoicingDataProblems(
  model: RulesFile,
  matches: readonly DataPatternMatch[],
  harvest: DataHarvest,
): Problem[] {
  const setting = model.invoicing;
  if (!setting) return [];
  const problems: Problem[] = [];
  for (const m of matches) {
    if (m.files.length === 0) {
      problems.push({
        code: 'data-glob-no-file',
        severity: 'warning',
        message: `'${m.pattern.value}' matches no file (paths are relative to this rules file).`,
        range: m.pattern.range,
      });
    }
  }
  // The harvest is of the `data:` files: it speaks for the final invoices only when they read the same files, and
  // only when it kept every subscription id it saw.
  const sameFiles =
    setting.final.length === 0 ||
    (setting.final.length === model.data.length && setting.final.every((f, i) => f.value === model.data[i]?.value));
  const { entitlement, subscription } = harvest.fields;
  if (!sameFiles || entitlement.truncated || subscription.truncated) return problems;
  if (entitlement.values.length === 0 && subscription.values.length === 0) return problems;
  const known = new Set<string>();
  for (const v of [...entitlement.values, ...subscription.values]) known.add(v.value.trim().toLowerCase());
  for (const c of setting.customers) for (const s of c.subscriptions) known.add(s.id.toLowerCase());
  const check = (ref: Located<string> | undefined, what: string): void => {
    if (!ref || ref.value.trim().toLowerCase() === 'shared' || known.has(ref.value.trim().toLowerCase())) return;
    problems.push({
      code: 'unknown-subscription',
      severity: 'warning',
      message:
        `${what} '${ref.value}' is no subscription of the billing data (EntitlementId or SubscriptionId) and is not ` +
        "listed under any customer's `subscriptions:`; `chargeback invoice` will refuse it.",
      range: ref.range,
    });
  };
  for (const r of setting.reservations) check(r.scope, `The scope of reservation ${r.id}`);
  for (const c of setting.customers) check(c.commonSubscription, `\`commonSubscription\` of customer '${c.key}'`);
  return problems;
}
