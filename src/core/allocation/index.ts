/**
 * The public face of the allocation core, for the language server, the CLI and the exports: read a rules file,
 * read cost lines, allocate, check the rules against the data. Everything here is pure TypeScript without editor
 * or LSP types. File I/O happens only when called: costLines reads billing files through a TextSource, and calls
 * fs itself for the byte ranges its fast reader and the worker threads read (statSync, readSync at an offset);
 * dataFiles and rulesRun look up the files that `data:` names (fs.stat, fs.readdir).
 */
export { parseRules } from './parseRules';
export type { ParsedRules } from './parseRules';
export type { Problem, ProblemCode, Range, Position, Severity } from './problems';
export { formatProblem, sortProblems } from './problems';
export type * from './model';
export { ENUMS, SECTIONS, MATCH_FIELD_KEYS, keyInfo, keysOf, enumValues, sectionAt } from './vocabulary';
export type { KeyInfo, SectionName, EnumName, EnumValue, ValueShape } from './vocabulary';
export { METER_FAMILIES, meterFamilyOf } from './meterFamilies';
export type { MeterFamily } from './meterFamilies';
export { allocate, allocateSync, Allocator, periodLabel } from './engine';
export type { AllocateOptions } from './engine';
export type * from './result';
export { UNMATCHED_LABEL, UNUSED_COMMITMENT_LABEL, PEC_LABEL } from './result';
export { readCostLines, billingFileKind } from './costLines';
export type { CostLineIssue, ReadCostLinesOptions } from './costLines';
export type { CostLine, CostSourceKind } from './costLine';
export { resolveDataFiles, expandPattern, uniqueFiles } from './dataFiles';
export type { DataPatternMatch } from './dataFiles';
export { DataHarvester, harvestLines } from './harvest';
export type { DataHarvest, HarvestedField, HarvestedValue } from './harvest';
export { validateAgainstData } from './validateAgainstData';
export type { DataSummary } from './validateAgainstData';
export { LineApportioner, AmountSpreader, apportion } from './apportion';
export { buildJsonSchema, jsonSchemaText } from './jsonSchema';
export { compileGlob, checkGlob } from './glob';
