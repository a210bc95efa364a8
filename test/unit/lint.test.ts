// The layer rules of eslint.config.mjs hold: a deliberate `import 'vscode'` in src/core, a server feature that
// reaches for the connection, an import that closes a folder circle all fail the lint (ESLint's Node API with the
// project's own config, on texts that are never written to the tree), and the tree itself has no folder cycle.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..', '..');

interface FolderGraphModule {
  scanImports(dir: string): Map<string, string[]>;
  folderGraph(edges: Map<string, string[]>): Map<string, Map<string, unknown>>;
  folderCycles(graph: Map<string, Map<string, unknown>>): string[][];
}

async function lint(relativePath: string, text: string): Promise<{ ruleId: string | null; message: string }[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(text, { filePath: join(root, relativePath) });
  return result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

describe('lint: layers and cycles', function () {
  // Loading ESLint, typescript-eslint and the import resolver takes a few seconds on a busy machine.
  this.timeout(120_000);

  it("fails an `import 'vscode'` in src/core, and accepts the same text in src/extension", async () => {
    const text = "import * as vscode from 'vscode';\n\nexport const api = vscode;\n";
    const inCore = await lint('src/core/lintProbe.ts', text);
    assert.ok(
      inCore.some((m) => m.ruleId === 'no-restricted-imports' && /vscode/.test(m.message)),
      JSON.stringify(inCore),
    );
    assert.deepEqual(await lint('src/extension/lintProbe.ts', text), []);
  });

  it('fails LSP packages and the upper layers in src/core', async () => {
    const text = [
      "import { Range } from 'vscode-languageserver';",
      "import { ServerSettings } from '../../server/service/settings';",
      'export const both = [Range, ServerSettings];',
      '',
    ].join('\n');
    const messages = await lint('src/core/billing/lintProbe.ts', text);
    assert.ok(
      messages.some((m) => m.ruleId === 'no-restricted-imports'),
      JSON.stringify(messages),
    );
    assert.ok(
      messages.some((m) => m.ruleId === 'import-x/no-restricted-paths'),
      JSON.stringify(messages),
    );
  });

  it('keeps the language service transport-free', async () => {
    const text =
      "import { createConnection } from 'vscode-languageserver/node';\n\nexport const c = createConnection;\n";
    const messages = await lint('src/server/service/lintProbe.ts', text);
    assert.ok(messages.some((m) => m.ruleId === 'no-restricted-imports' && /transport-free/.test(m.message)));
  });

  it('reports the import that closes a circle between folders, with the way back', async () => {
    const text = "import { checkSource } from '../rating/check';\n\nexport const check = checkSource;\n";
    const messages = await lint('src/core/billing/lintProbe.ts', text);
    const cycle = messages.find((m) => m.ruleId === 'chargeback/no-folder-cycle');
    assert.ok(cycle, JSON.stringify(messages));
    assert.match(cycle.message, /src\/core\/billing -> src\/core\/rating .*src\/core\/rating -> src\/core\/billing/);
    // The same import from a folder the rating does not depend on is no cycle.
    assert.deepEqual(await lint('src/cli/lintProbe.ts', text.replace('../rating/', '../core/rating/')), []);
  });

  it('finds no folder cycle in the source tree, and finds one in a graph that has it', async () => {
    const graph = (await import(
      pathToFileURL(join(root, 'scripts', 'lint', 'folderGraph.mjs')).href
    )) as FolderGraphModule;
    assert.deepEqual(graph.folderCycles(graph.folderGraph(graph.scanImports(join(root, 'src')))), []);
    const edges = new Map([
      ['/r/a/x.ts', ['/r/b/y.ts']],
      ['/r/b/y.ts', ['/r/c/z.ts']],
      ['/r/c/z.ts', ['/r/a/w.ts']],
      ['/r/a/w.ts', []],
      ['/r/d/v.ts', ['/r/a/x.ts']],
    ]);
    assert.deepEqual(graph.folderCycles(graph.folderGraph(edges)), [['/r/a', '/r/b', '/r/c']]);
    edges.set('/r/c/z.ts', []);
    assert.deepEqual(graph.folderCycles(graph.folderGraph(edges)), []);
  });
});
