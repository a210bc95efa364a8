// Which folders of src/ import which: the graph behind the lint rule `chargeback/no-folder-cycle`. A cycle between
// folders (billing imports rating while rating imports billing) means neither can be understood, tested or moved
// without the other, even when no single module imports itself back (what import-x/no-cycle checks). Pure
// functions over files on disk; the rule (eslintPlugin.mjs) feeds in the file being linted from its syntax tree.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(ts|mts|cts)$/;

/** The module specifiers a source text imports or re-exports (type-only ones too: they couple folders as well). */
export function importSpecifiers(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The source file a relative specifier names, or undefined (a package, or nothing on disk). */
export function resolveImport(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|mjs|cjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.d.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Every source file under `dir` (node_modules excluded) with the files of that tree it imports. */
export function scanImports(dir) {
  const edges = new Map();
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (SOURCE.test(entry.name)) {
        const targets = importSpecifiers(readFileSync(full, 'utf8'))
          .map((s) => resolveImport(full, s))
          .filter((t) => t !== undefined && isInside(dir, t));
        edges.set(full, targets);
      }
    }
  };
  walk(dir);
  return edges;
}

export function isInside(dir, file) {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

/**
 * Folder -> folder -> one import that makes the arrow (for the message), from file -> imported files. Imports
 * within a folder make no arrow.
 */
export function folderGraph(fileEdges) {
  const graph = new Map();
  for (const [from, targets] of fileEdges) {
    const a = dirname(from);
    if (!graph.has(a)) graph.set(a, new Map());
    for (const to of targets) {
      const b = dirname(to);
      if (a === b) continue;
      if (!graph.get(a).has(b)) graph.get(a).set(b, { from, to });
      if (!graph.has(b)) graph.set(b, new Map());
    }
  }
  return graph;
}

/** The shortest folder path from `start` to `goal` (both included), or undefined when there is none. */
export function folderPath(graph, start, goal) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift();
    if (at === goal) {
      const path = [];
      for (let f = goal; f !== undefined; f = previous.get(f)) path.unshift(f);
      return path;
    }
    for (const next of graph.get(at)?.keys() ?? []) {
      if (!previous.has(next)) {
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** The groups of folders that import each other in a circle (strongly connected, more than one folder). */
export function folderCycles(graph) {
  // Tarjan's algorithm, iterative enough for a source tree (recursion depth = folder count).
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const connect = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), indices.get(w)));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return groups;
}

/** One line per arrow of a folder path, with the import that makes it, relative to `root`. */
export function describePath(graph, path, root) {
  const rel = (p) => relative(root, p).split(sep).join('/');
  const hops = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const edge = graph.get(path[i])?.get(path[i + 1]);
    hops.push(`${rel(path[i])} -> ${rel(path[i + 1])}${edge ? ` (${rel(edge.from)} imports ${rel(edge.to)})` : ''}`);
  }
  return hops.join('; ');
}
