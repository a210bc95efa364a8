/** Runs the checker on text and collects findings: the unit tests' window on the engine. */
import { stringSource } from '../../src/core/billing/source';
import { checkSource, type CheckRun } from '../../src/core/rating/check';
import { defaultCheckOptions, type CheckOptions } from '../../src/core/rating/options';
import type { Finding } from '../../src/core/findings';

export async function checkText(
  text: string,
  options: Partial<CheckOptions> = {},
  chunkSize?: number,
): Promise<CheckRun & { findings: Finding[] }> {
  const findings: Finding[] = [];
  const run = await checkSource(stringSource('test.csv', text, chunkSize), defaultCheckOptions(options), (f) =>
    findings.push(f),
  );
  return { ...run, findings };
}
