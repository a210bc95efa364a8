/**
 * How target ids are compared, and which ones are too alike to be told apart. Ids are matched after Unicode
 * normalization (NFKC) and ignoring case, so `ｗｅｂ` (full width) or `\u212Aey` (Kelvin sign) is the same id as
 * `web` or `key`, declared twice. Ids that still differ but look the same on screen are an error, because a tag
 * value or a `to:` could silently name the wrong one: the skeleton below folds the lookalikes this check covers
 *   - invisible characters: zero-width space/joiners, word joiner, soft hyphen, BOM, bidi marks and controls;
 *   - Cyrillic and Greek letters drawn like Latin ones (а в е к м н о р с т у х і ј ѕ ԁ ԛ ԝ ү һ, α β ε η ι κ
 *     μ ν ο ρ τ υ χ ω ϲ), upper and lower case;
 *   - the digits 0 and 1 against the letters o and l.
 * It is not the full Unicode confusables table (UTS #39); scripts outside Latin/Cyrillic/Greek are compared as they
 * are (after NFKC).
 */

/** The key two ids are equal by: NFKC, then lower case. */
export function targetIdKey(id: string): string {
  // ASCII is its own NFKC form: tag values of every cost line come through here.
  return (NON_ASCII.test(id) ? id.normalize('NFKC') : id).trim().toLowerCase();
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, NUL included, is the point
const NON_ASCII = /[^\x00-\x7f]/;

/** Code point ranges of characters that cannot be seen (controls, format characters, fillers, variation selectors). */
const INVISIBLE_RANGES: readonly [number, number][] = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
];

function isInvisible(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return INVISIBLE_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** Lookalike -> the Latin letter it is drawn like (lower case; the key is lower-cased first). */
const LOOKALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  һ: 'h',
  ɡ: 'g',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
  // Digits against letters
  '0': 'o',
  '1': 'l',
};

/** Whether an id holds a character that cannot be seen (zero-width, bidi control...). */
export function hasInvisible(id: string): boolean {
  for (const c of id.normalize('NFKC')) if (isInvisible(c)) return true;
  return false;
}

/** What an id looks like: two ids with the same skeleton cannot be told apart reliably on screen. */
export function targetIdSkeleton(id: string): string {
  let out = '';
  for (const c of targetIdKey(id)) if (!isInvisible(c)) out += LOOKALIKES[c] ?? c;
  return out;
}

/** The characters of an id that made it look like another: invisible ones and lookalikes, as `U+0435 (е)`. */
export function lookalikeCharacters(id: string): string[] {
  const out: string[] = [];
  for (const c of id.normalize('NFKC')) {
    const invisible = isInvisible(c);
    if (invisible || LOOKALIKES[c.toLowerCase()] !== undefined) {
      const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      out.push(invisible ? `${code} (invisible)` : `${code} (${c})`);
    }
  }
  return [...new Set(out)];
}
