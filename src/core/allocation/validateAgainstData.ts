/**
 * Data-dependent checks of a rules file, as problems with ranges in the rules file (for the language server's
 * diagnostics and the CLI): data globs that match no file, rules that match no line or never win because an
 * earlier rule takes all their lines, match values that no line has (with a did-you-mean from the data), tag values
 * that name no target, a currency mix. The caller gathers the data once (file globs, harvest, allocation result);
 * this function only compares.
 */
import type { DataPatternMatch } from './dataFiles';
import { budgetProblems } from './budgets';
import { closest } from './didYouMean';
import { compileGlob } from './glob';
import type { DataHarvest } from './harvest';
import type { MatchMap, RulesFile } from './model';
import type { Problem, ProblemCode, Range } from './problems';
import type { AllocationResult } from './result';

export interface DataSummary {
  /** The `data:` patterns with the files they matched (dataFiles.resolveDataFiles). */
  dataFiles?: readonly DataPatternMatch[];
  /** Distinct values of the data (harvest.DataHarvester). */
  harvest?: DataHarvest;
  /** The allocation of the data with this model (with shadow detection on, the default). */
  result?: AllocationResult;
}

export function validateAgainstData(model: RulesFile, data: DataSummary): Problem[] {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, severity: Problem['severity'], message: string, range: Range | undefined): void => {
    if (range) problems.push({ code, severity, message, range });
  };

  for (const m of data.dataFiles ?? []) {
    if (m.refused) {
      add(m.refused.code, 'error', m.refused.message, m.pattern.range);
      continue;
    }
    for (const why of m.skipped ?? []) add('data-entry-skipped', 'warning', why, m.pattern.range);
    if (m.files.length === 0 && !m.alsoMatchedEarlier)
      add(
        'data-glob-no-file',
        'warning',
        `'${m.pattern.value}' matches no file (paths are relative to this rules file).`,
        m.pattern.range,
      );
  }

  const r = data.result;
  if (r) {
    for (const e of r.errors) add(e.code as ProblemCode, 'error', e.message, e.range ?? model.keyRanges['chargeback']);
    for (const w of r.warnings) add(w.code as ProblemCode, w.severity, w.message, w.range);
    if (r.ok) {
      for (const rule of r.rules) {
        if (rule.lines > 0) continue;
        const decl = model.rules[rule.index];
        const at = decl?.nameRange ?? decl?.match?.range;
        if (rule.shadowedBy !== undefined) {
          const earlier = model.rules[rule.shadowedBy];
          add(
            'rule-shadowed',
            'warning',
            `Rule '${rule.name}' never takes a line: every line it matches is taken first by rule '${earlier.name}' (line ${earlier.range.start.line + 1}). Move it above that rule or narrow that rule.`,
            at,
          );
        } else if (!rule.matchedAnyLine) {
          add('rule-matches-nothing', 'warning', `Rule '${rule.name}' matches no cost line in the data.`, at);
        }
      }
      problems.push(...budgetProblems(model, r));
      for (const t of r.targets) {
        const decl = model.targets.find((d) => d.id === t.id);
        if (decl && t.amount.isZero() && t.breakdown.length === 0)
          add('target-receives-nothing', 'info', `Target '${t.id}' receives nothing from this data.`, decl.idRange);
      }
    }
  }

  const h = data.harvest;
  if (h && h.lines > 0) for (const rule of model.rules) if (rule.match) checkValues(rule.match, h, add);
  return problems;
}

function checkValues(
  map: MatchMap,
  h: DataHarvest,
  add: (code: ProblemCode, severity: Problem['severity'], message: string, range: Range | undefined) => void,
): void {
  for (const c of map.conditions) {
    if (c.kind === 'not') {
      checkValues(c.map, h, add);
      continue;
    }
    let values: string[];
    let what: string;
    if (c.kind === 'field') {
      const field = h.fields[c.field];
      if (!field || field.truncated) continue;
      values = field.values.map((v) => v.value);
      what = c.field;
    } else {
      const tag = h.tags.get(c.tagKey.toLowerCase());
      if (!tag) {
        if (!h.tagsTruncated) {
          const suggestion = closest(c.tagKey, h.tags.keys());
          add(
            'tag-key-not-in-data',
            'warning',
            `No cost line has the tag '${c.tagKey}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`,
            c.keyRange,
          );
        }
        continue;
      }
      if (tag.truncated) continue;
      values = tag.values.map((v) => v.value);
      what = `tag ${c.tagKey}`;
    }
    for (const g of c.globs) {
      const glob = compileGlob(g.value);
      if (glob.matches('') || values.some((v) => glob.matches(v))) continue;
      const suggestion = closest(g.value, values);
      add(
        'glob-matches-no-value',
        'warning',
        `'${g.value}' matches no ${what} in the data.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`,
        g.range,
      );
    }
  }
}
