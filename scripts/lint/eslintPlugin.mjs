// The project's own ESLint rule: `chargeback/no-folder-cycle` reports an import that closes a circle between
// folders of src/ (see folderGraph.mjs), at the import, with the way back. import-x/no-cycle checks modules; this
// checks the folders, which is what the layering (core, server, extension, cli and their parts) is made of.
import { dirname, resolve } from 'node:path';
import { describePath, folderGraph, folderPath, isInside, resolveImport, scanImports } from './folderGraph.mjs';

/** A lint run reads the tree once, not once per file; an editor's long-lived ESLint sees changes after a while. */
const SCAN_TTL_MS = 5000;
const scans = new Map();

function scanned(dir) {
  const cached = scans.get(dir);
  if (cached && Date.now() - cached.at < SCAN_TTL_MS) return cached.edges;
  const edges = scanImports(dir);
  scans.set(dir, { at: Date.now(), edges });
  return edges;
}

const noFolderCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid imports that make folders of the source tree import each other in a circle' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: { cycle: 'Folder cycle: {{path}}. Move the shared code down a layer or invert the dependency.' },
  },
  create(context) {
    const root = resolve(context.cwd, context.options[0]?.root ?? 'src');
    const file = resolve(context.filename);
    if (!isInside(root, file)) return {};
    const own = [];
    const add = (node, source) => {
      if (source && source.type === 'Literal' && typeof source.value === 'string')
        own.push({ node, specifier: source.value });
    };
    return {
      ImportDeclaration: (node) => add(node, node.source),
      ExportNamedDeclaration: (node) => add(node, node.source),
      ExportAllDeclaration: (node) => add(node, node.source),
      ImportExpression: (node) => add(node, node.source),
      TSImportEqualsDeclaration: (node) => {
        if (node.moduleReference.type === 'TSExternalModuleReference') add(node, node.moduleReference.expression);
      },
      'Program:exit'() {
        const imports = own
          .map((i) => ({ ...i, target: resolveImport(file, i.specifier) }))
          .filter((i) => i.target !== undefined && isInside(root, i.target));
        // The tree as on disk, except this file as it is now (it may be unsaved, or not on disk at all).
        const edges = new Map(scanned(root));
        edges.set(
          file,
          imports.map((i) => i.target),
        );
        const graph = folderGraph(edges);
        const here = dirname(file);
        const reported = new Set();
        for (const i of imports) {
          const there = dirname(i.target);
          if (there === here || reported.has(there)) continue;
          const back = folderPath(graph, there, here);
          if (!back) continue;
          reported.add(there);
          context.report({
            node: i.node,
            messageId: 'cycle',
            data: { path: describePath(graph, [here, ...back], context.cwd) },
          });
        }
      },
    };
  },
};

export default {
  meta: { name: 'eslint-plugin-chargeback' },
  rules: { 'no-folder-cycle': noFolderCycle },
};
