/**
 * "Did you mean ...?" suggestions for misspelt keys, enum values and target ids: the closest candidate by edit
 * distance (case-insensitive), when it is close enough to be a likely typo.
 */

/**
 * Edit distance with adjacent transpositions counting as one edit (optimal string alignment: "wbe" is one edit
 * from "web", the commonest typo), capped: returns `cap + 1` as soon as the distance must exceed `cap`.
 */
export function editDistance(a: string, b: string, cap = 64): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `word`, if within a third of its length (at least 1, at most 3 edits). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (lc === w) return c;
    const d = editDistance(w, lc, limit);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** " Did you mean 'x'?" or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` Did you mean '${c}'?`;
}
