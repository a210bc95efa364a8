/**
 * The language server (its own Node process, started by the VS Code client over IPC). It owns all language logic:
 * billing files are re-rated by the core and their findings published as diagnostics; hovers explain cells.
 * Settings are read per document from the client and cached until the client says they changed; never kept in
 * globals that outlive a configuration change.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  CodeLensRefreshRequest,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSource } from '../core/billing/source';
import { loadPriceList, type PriceList } from '../core/billing/priceList';
import { kindOfLanguage } from '../core/billing/fileKinds';
import { defaultCheckOptions } from '../core/rating/options';
import { Dec } from '../core/money';
import {
  CHECK_FILE_REQUEST,
  CHECK_PROGRESS_NOTIFICATION,
  DEFAULT_SETTINGS,
  SUMMARY_NOTIFICATION,
  type ChargebackSettings,
  type CheckFileParams,
  type CheckFileResult,
  EXPORT_REQUEST,
  type ExportParams,
  type ExportResult,
} from '../shared/protocol';
import { BillingService, type CheckSettings } from './billing/billingService';
import { billingHover } from './billing/hover';
import { RulesService } from './rules/rulesService';
import { rulesCodeLenses, rulesCompletion, rulesDefinition, rulesHover, rulesSymbols } from './rules/rulesFeatures';
import { displayText } from '../core/text/displayText';
import { WORKSPACE_TRUSTED_NOTIFICATION, type TrustInitializationOptions } from '../shared/trust';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let workspaceFolders: string[] = [];
let canPullConfiguration = false;
let canRefreshCodeLenses = false;
/** False in an untrusted workspace (restricted mode): nothing outside the workspace folders is read. */
let trusted = true;

const settingsCache = new Map<string, Promise<ChargebackSettings>>();
const priceLists = new Map<string, { mtimeMs: number; list: Promise<PriceList | undefined> }>();

function isBillingDocument(doc: TextDocument): boolean {
  return kindOfLanguage(doc.languageId) !== undefined;
}

function isRulesDocument(doc: TextDocument): boolean {
  return doc.languageId === 'chargeback-rules';
}

async function userSettings(uri: string): Promise<ChargebackSettings> {
  if (!canPullConfiguration) return DEFAULT_SETTINGS;
  let cached = settingsCache.get(uri);
  if (!cached) {
    cached = connection.workspace
      .getConfiguration({ scopeUri: uri, section: 'chargeback' })
      .then((s: Partial<ChargebackSettings> | null) => ({ ...DEFAULT_SETTINGS, ...(s ?? {}) }));
    settingsCache.set(uri, cached);
  }
  return cached;
}

/** Whether a path lies in one of the workspace folders (real paths: a link out of the workspace is outside). */
function insideWorkspace(path: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const file = real(path);
  return workspaceFolders.some((f) => {
    const r = relative(real(f), file);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  });
}

/** Resolves the price-list setting against the workspace folder that holds the document; reloads when it changes. */
async function priceListFor(uri: string, setting: string): Promise<PriceList | undefined> {
  if (!setting.trim()) return undefined;
  let path = setting.trim();
  if (!isAbsolute(path)) {
    const docPath = uri.startsWith('file:') ? fileURLToPath(uri) : '';
    const folder = workspaceFolders.find((f) => docPath.startsWith(f + '/')) ?? workspaceFolders[0];
    if (!folder) return undefined;
    path = join(folder, path);
  }
  if (!trusted && !insideWorkspace(path)) {
    connection.window.showWarningMessage(`Chargeback: the price list "${setting}" is outside this untrusted workspace and is not read.`);
    return undefined;
  }
  let mtimeMs: number;
  try {
    const st = statSync(path);
    // A FIFO or device would block the server or never end: only a regular file is a price list.
    if (!st.isFile()) throw new Error('not a regular file');
    mtimeMs = st.mtimeMs;
  } catch {
    connection.window.showWarningMessage(`Chargeback: the price list "${setting}" (${path}) cannot be read; tiered meters are re-rated as flat.`);
    return undefined;
  }
  const cached = priceLists.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached.list;
  const list = loadPriceList(fileSource(path)).then(({ priceList, findings }) => {
    const fatal = findings.find((f) => f.code === 'missing-column' || f.code === 'unsupported-encoding');
    if (fatal) {
      connection.window.showWarningMessage(`Chargeback: ${fatal.message}`);
      return undefined;
    }
    connection.console.log(`price list ${path}: ${priceList.size} meters`);
    return priceList;
  });
  priceLists.set(path, { mtimeMs, list });
  return list;
}

async function settingsFor(uri: string): Promise<CheckSettings> {
  const s = await userSettings(uri);
  let errorThreshold = new Dec(DEFAULT_SETTINGS.errorThreshold);
  try {
    errorThreshold = new Dec(s.errorThreshold);
  } catch {
    connection.console.warn(`chargeback.errorThreshold "${s.errorThreshold}" is not an amount; using ${DEFAULT_SETTINGS.errorThreshold}`);
  }
  return {
    options: defaultCheckOptions({
      dateOrder: s.dateOrder === 'DMY' ? 'DMY' : 'MDY',
      errorThreshold,
      priceList: await priceListFor(uri, s.priceList),
    }),
    maxDiagnostics: Math.max(1, Math.min(100000, Math.floor(Number(s.maxDiagnostics) || DEFAULT_SETTINGS.maxDiagnostics))),
  };
}

/** Documents above this size show progress (and can be cancelled) while they are checked. */
const PROGRESS_THRESHOLD = 4 * 1024 * 1024;

const billing = new BillingService({
  settingsFor,
  publish: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
  summary: (summary) => void connection.sendNotification(SUMMARY_NOTIFICATION, summary),
  log: (message) => connection.console.log(displayText(message)),
  async progress(uri, size, controller) {
    if (size < PROGRESS_THRESHOLD) return undefined;
    const progress = await connection.window.createWorkDoneProgress();
    const name = decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
    progress.begin(`Checking ${name}`, undefined, 'reading', true);
    progress.token.onCancellationRequested(() => controller.abort());
    return { report: (message) => progress.report(message), done: () => progress.done() };
  },
});

const rules = new RulesService({
  publish: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
  dataChanged: () => {
    if (canRefreshCodeLenses) void connection.sendRequest(CodeLensRefreshRequest.type);
  },
  dateOrder: async (uri) => (await userSettings(uri)).dateOrder === 'DMY' ? 'DMY' : 'MDY',
  log: (message) => connection.console.log(displayText(message)),
  confineTo: () => (trusted ? undefined : workspaceFolders),
});

connection.onNotification(WORKSPACE_TRUSTED_NOTIFICATION, () => {
  trusted = true;
  for (const doc of documents.all()) if (isRulesDocument(doc)) rules.update(doc.uri, doc.getText(), 0);
});

connection.onInitialize((params: InitializeParams): InitializeResult => {
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshCodeLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  workspaceFolders = (params.workspaceFolders ?? [])
    .filter((f) => f.uri.startsWith('file:'))
    .map((f) => fileURLToPath(f.uri));
  trusted = (params.initializationOptions as Partial<TrustInitializationOptions> | undefined)?.trusted !== false;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: [':', ' ', '-', '{', '[', ',', '"'] },
      definitionProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
  };
});

connection.onDidChangeConfiguration(() => {
  settingsCache.clear();
  for (const doc of documents.all()) {
    if (isBillingDocument(doc)) billing.schedule(doc, 0);
    else if (isRulesDocument(doc)) rules.update(doc.uri, doc.getText(), 0);
  }
});

documents.onDidOpen((e) => {
  if (isBillingDocument(e.document)) billing.schedule(e.document, 0);
  else if (isRulesDocument(e.document)) rules.update(e.document.uri, e.document.getText(), 0);
});
documents.onDidChangeContent((e) => {
  if (isBillingDocument(e.document)) billing.schedule(e.document);
  else if (isRulesDocument(e.document)) rules.update(e.document.uri, e.document.getText());
});
documents.onDidClose((e) => {
  settingsCache.delete(e.document.uri);
  if (isRulesDocument(e.document)) rules.close(e.document.uri);
  else billing.close(e.document.uri);
});
// Billing data on disk changed (saved from another editor, regenerated): re-read what the rules files name.
documents.onDidSave((e) => {
  if (!isRulesDocument(e.document)) for (const doc of documents.all()) if (isRulesDocument(doc)) rules.update(doc.uri, doc.getText());
});

connection.onHover((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return null;
  if (isRulesDocument(doc)) {
    const parsed = rules.parsed(doc.uri);
    return parsed ? rulesHover(doc.getText(), params.position, parsed, rules.data(doc.uri)) : null;
  }
  if (!isBillingDocument(doc)) return null;
  const checked = billing.checked(doc.uri);
  return checked ? billingHover(doc, checked, params.position) : null;
});

connection.onCompletion((params) => {
  const doc = documents.get(params.textDocument.uri);
  const parsed = doc && isRulesDocument(doc) ? rules.parsed(doc.uri) : undefined;
  return doc && parsed ? rulesCompletion(doc.getText(), params.position, parsed, rules.data(doc.uri)) : [];
});

connection.onDefinition((params) => {
  const parsed = rules.parsed(params.textDocument.uri);
  return parsed ? rulesDefinition(params.textDocument.uri, params.position, parsed) : null;
});

connection.onDocumentSymbol((params) => {
  const parsed = rules.parsed(params.textDocument.uri);
  return parsed ? rulesSymbols(parsed) : [];
});

connection.onCodeLens((params) => {
  const parsed = rules.parsed(params.textDocument.uri);
  return parsed ? rulesCodeLenses(parsed, rules.data(params.textDocument.uri)) : [];
});

connection.onRequest(EXPORT_REQUEST, async (params: ExportParams): Promise<ExportResult> => {
  const doc = documents.get(params.uri);
  const text = doc ? doc.getText() : readFileSync(fileURLToPath(params.uri), 'utf8');
  return rules.export(params.uri, text, params.kind, params.out, params.overwrite);
});

connection.onRequest(CHECK_FILE_REQUEST, async (params: CheckFileParams, token): Promise<CheckFileResult> => {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  const listed = 5000;
  const { summary, lines } = await billing.checkFile(params.uri, controller.signal, (rows, pass, passes) => {
    void connection.sendNotification(CHECK_PROGRESS_NOTIFICATION, { uri: params.uri, rows, pass, passes });
  }, listed);
  return { summary, lines, listed };
});

documents.listen(connection);
connection.listen();

