/**
 * What the offline copywriter may say about a product: its name in three lengths and the description's own
 * benefit phrases. Nothing here is invented: every phrase is cut out of the description the user wrote, so
 * the copy can claim only what the seller claims.
 */
export interface ProductWords {
  /** The product's name as written, at most six words: "LumiDew Smoothing Face Tape". */
  name: string;
  /** The short name people say: the brand when one stands out ("LumiDew"), else the name. */
  brand: string;
  /** What the thing is, in lower case: "smoothing face tape" (the name again when nothing generic is left). */
  noun: string;
  /** The description's benefit phrases in its own order, first letter lowered, no end punctuation. */
  claims: string[];
  /** False when the description is in another language: English frames are then kept away from its words. */
  english: boolean;
}

const MAX_NAME_WORDS = 6;
const MAX_NOUN_WORDS = 3;
/** A phrase longer than this is no slide line; a longer sentence is split at its clauses or left out. */
export const MAX_CLAIM_CHARS = 140;

/** Words that end a name and start what is said about it ("LumiDew face tape | is a set of …"). */
const NAME_END = /\s(is|are|was|were|that|which|helps?|lets?|gives?|makes?|keeps?|for|with|by|from|will|can)\s/i;
const LEADING_JOINER = /^(and|so|but|plus|also|then|which|while)\s+/i;
const BULLET = /^\s*(?:[-*–—+•·✓✔✅▪►]|\d{1,2}[.)])\s+/u;

const ENGLISH = new Set(
  'the a an and or with for your you to of in on is are it its that this while no not my from at by be as so all every without'.split(
    ' ',
  ),
);
/** Function words of the other languages sellers most often write in (de, es, fr, it, pt, nl). */
const FOREIGN = new Set(
  'der die das und für mit im ohne ist nicht ein eine el los las y para con sin es del le les et pour avec sans est des du une il gli per senza è os com sem é het een en voor met zonder'.split(
    ' ',
  ),
);

/** Letters-only words, lower case: the unit of the "traceable to the description" rule. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+/gu) ?? [];
}

/** English unless another language's function words outnumber English ones, or most letters are not Latin. */
function isEnglish(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  const latin = letters.filter((c) => /\p{Script=Latin}/u.test(c)).length;
  if (letters.length && latin < letters.length / 2) return false;
  const words = wordsOf(text);
  const english = words.filter((w) => ENGLISH.has(w)).length;
  const foreign = words.filter((w) => FOREIGN.has(w)).length;
  return !(foreign >= 2 && foreign > english);
}

function tidy(clause: string): string {
  return clause
    .replace(/[()[\]]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s,:;.\-–—]+/, '')
    .replace(LEADING_JOINER, '')
    .replace(/^(is|are)\s+/i, '')
    .replace(/[.!?;,:]+$/, '')
    .trim();
}

/** Lowers the first letter unless the first word is a name or an acronym (LumiDew, UV, SPF50). */
function lowerFirst(s: string): string {
  const first = s.match(/^\p{L}+/u)?.[0] ?? '';
  return /^.\p{Ll}*$/u.test(first) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

const isCamelOrCaps = (w: string): boolean => /^\p{L}.*\p{Lu}/u.test(w) && w.length > 1;
const isCapitalised = (w: string): boolean => /^\p{Lu}/u.test(w);
const isLower = (w: string): boolean => !/\p{Lu}/u.test(w);

/** Brand and generic noun out of a name: "LumiDew Smoothing Face Tape" → LumiDew, "smoothing face tape". */
function splitName(name: string, english: boolean): { brand: string; noun: string } {
  const words = name.split(' ').filter(Boolean);
  if (words.length <= 1) return { brand: name, noun: name };
  const [first, ...rest] = words;
  const branded =
    isCamelOrCaps(first) ||
    (rest.length >= 2 && isCapitalised(first) && (rest.every(isLower) || rest.every(isCapitalised)));
  const brand = branded ? first : name;
  const generic = branded ? [...rest] : [...words];
  // A single capital (the C of "Vitamin C") and acronyms keep their case; other words are lowered.
  // "smoothing face tape" is said "face tape": leading -ing describers go while two words are left.
  while (generic.length > 2 && /^\p{L}+ing$/iu.test(generic[0])) generic.shift();
  const noun = generic
    .slice(-MAX_NOUN_WORDS)
    .map((w) => (w.length > 1 && !/^\p{Lu}+\d*$/u.test(w) ? w.toLowerCase() : w))
    .join(' ');
  return { brand, noun: english ? noun : name };
}

/** Reads a name and benefit phrases out of a free-text product description. */
export function productWords(description: string): ProductWords {
  const text = description.normalize('NFC').replace(/\r/g, '');
  const english = isEnglish(text);
  const sentences = text
    .split(/\n|•|·|\|/u)
    .map((line) => line.replace(BULLET, ''))
    .flatMap((line) => line.split(/(?<=[.!?;])\s+/))
    .map((s) => s.trim())
    .filter(Boolean);
  const firstSentence = sentences[0] ?? '';
  // The name: the first sentence up to a dash, comma, colon or bracket, and up to a word that starts a claim.
  const [head, ...afterDash] = firstSentence.split(/\s[-–—]\s/);
  const nameClause = head.split(/[,:(]/)[0];
  const cut = nameClause.match(NAME_END);
  const nameWords = (cut ? nameClause.slice(0, cut.index) : nameClause).trim().split(/\s+/).filter(Boolean);
  const name = tidy(nameWords.slice(0, MAX_NAME_WORDS).join(' ')) || 'this';
  const { brand, noun } = splitName(name, english);

  // What the first sentence says after the name is a claim too ("… is a set of soft patches").
  const firstRest = [cut ? head.slice(cut.index) : head.slice(nameClause.length), ...afterDash].join(', ');
  const raw = [firstRest, ...sentences.slice(1)];
  const claims = raw
    .flatMap((s) => s.split(/,\s+(?=(?:so|but)\s)|\s[-–—]\s|;\s*/))
    .map(tidy)
    .filter((c) => /\p{L}{3}/u.test(c) && c.length <= MAX_CLAIM_CHARS && c.toLowerCase() !== name.toLowerCase())
    .map(lowerFirst);
  return { name, brand, noun, claims: [...new Set(claims)], english };
}
