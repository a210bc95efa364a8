// A rules file, the billing lines it allocates and cursor helpers, shared by the rules language feature tests.
import { Position } from 'vscode-languageserver';
import { parseRules } from '../../src/core/allocation/parseRules';
import { harvestLines } from '../../src/core/allocation/harvest';
import { allocateSync } from '../../src/core/allocation/engine';
import type { RulesData } from '../../src/server/rules/rulesData';
import { line } from '../fixtures/allocation/lines';

export const RULES = `chargeback: 1
name: Contoso
amount: billed
targets:
  web: { name: Web shop, costCenter: CC-1001 }
  data: { name: Data platform, costCenter: CC-1002 }
rules:
  - name: Data subscriptions
    match: { entitlementName: "*-data*" }
    to: data
  - name: Team tag
    match: { tag: { team: "*" } }
    to: { tag: team }
  - name: Networking
    match: { meterCategory: [Bandwidth] }
    split: { evenly: [web, data] }
unallocated: web
`;

export const LINES = [
  line({ entitlementName: 'contoso-data-prod', meterCategory: 'Storage', billed: '100.00' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Virtual Machines', tags: { team: 'web' }, billed: '50.25' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Bandwidth', billed: '10.01' }),
  line({ entitlementName: 'contoso-web', meterCategory: 'Bandwidth', tags: { team: 'data' }, billed: '3.00' }),
];

export async function dataFor(text: string): Promise<RulesData> {
  const parsed = parseRules(text);
  return {
    harvest: await harvestLines(LINES),
    result: allocateSync(parsed.model, LINES),
    problems: [],
    files: ['/data/usage.csv'],
    candidates: ['./billing/2026-07/*.csv'],
  };
}

/** Cursor at the `|` of a line template: returns the text with the line inserted and the position. */
export function at(text: string, lineNo: number, lineWithCursor: string): { text: string; position: Position } {
  const lines = text.split('\n');
  const character = lineWithCursor.indexOf('|');
  lines.splice(lineNo, 0, lineWithCursor.replace('|', ''));
  return { text: lines.join('\n'), position: Position.create(lineNo, character) };
}
