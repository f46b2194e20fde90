import type { HookPattern } from './source-structure';
import { NUMBER_WORDS } from './source-structure';

/**
 * Every word the offline copywriter may add to the product description's own: hooks per source pattern,
 * list lines, body lines, product and call-to-action lines, caption lines and reach hashtags. Written in
 * lower case as people type on TikTok ("i", not "I"); the copywriter sets each slide's casing.
 *
 * Placeholders: {name} the product's name, {brand} its short name, {noun} what it is ("face tape"),
 * {n} the number of list items. Nothing here claims what a product does: claims come from the description.
 */

/** Per hook pattern; those with {n} are used only when the source's hook promised a number. */
export const HOOKS: Record<HookPattern, string[]> = {
  pov: [
    'pov: you finally found {name}',
    'pov: you tried {brand} and now you get it',
    'pov: your {noun} actually works',
    'pov: you stopped overthinking and got {name}',
    'pov: {brand} just became part of your routine',
    'pov: everyone asks what you changed (it was {brand})',
    'pov: you finally get the {noun} hype',
    'pov: {name} is your new non-negotiable',
    'pov: your friends keep asking about your {noun}',
    'pov: you gave {name} a real chance',
    "pov: you're the friend who put everyone on {brand}",
    'pov: your {n} step routine starts with {brand}',
  ],
  'wish-knew': [
    'things i wish i knew before trying {name}',
    'what i wish someone told me about {noun}',
    'i wish i knew about {name} sooner',
    'things i wish i knew sooner about {noun}',
    '{noun} tips i wish i knew sooner',
    'everything i wish i knew before buying {name}',
    'the {noun} habits i wish i started sooner',
    'wish i knew these {brand} tips a year ago',
    'i wish i found {brand} sooner, honestly',
    'tips i wish i knew before trying {brand}',
    'what i wish i knew before my first {noun}',
    'things i wish i knew sooner, {brand} edition',
    '{n} things i wish i knew before i tried {brand}',
    '{n} {noun} tips i wish i knew sooner',
  ],
  count: [
    '{n} things i love about {name}',
    '{n} reasons {brand} lives in my routine',
    '{n} ways i use my {noun}',
    '{n} things to know before you try {name}',
    '{n} reasons i keep buying {brand}',
    '{n} {noun} tips worth saving',
    '{n} little reasons {name} is worth it',
    '{n} things nobody tells you about {noun}',
    '{n} habits that made {brand} worth it',
    '{n} things that changed once i tried {name}',
    '{n} tips for getting the most out of {name}',
    '{n} reasons you need {name} this year',
  ],
  'how-i': [
    'how i fit {name} into my routine',
    'how i use {brand}, step by step',
    'how i get the most out of my {noun}',
    'how i finally found a routine that works, with {brand}',
    'how i made {brand} a daily habit',
    'how i use my {noun} (the easy way)',
    'how i started using {name}',
    'how i keep my routine simple with {brand}',
    "how i'd start with {name} if i were you",
    'how i use {name} without overthinking it',
    'how i built my routine around {brand}',
    'how i got hooked on {name}',
    'how i use {brand} in {n} easy steps',
  ],
  'things-i-do': [
    'simple things i do every day, starting with {name}',
    'little things i do that make a big difference, like {brand}',
    'things i do to stay low maintenance: {name}',
    'things i do at home for my routine, {brand} edition',
    'easy things i do that take no effort (hi, {brand})',
    'things i do for myself, featuring {name}',
    'small things i do that feel like a treat: {brand}',
    'lazy things i do that actually work, like {name}',
    'things i do to keep my routine easy, with {brand}',
    'things i do now that i have {name}',
    'things i do for a low effort glow up, starring {brand}',
    'high maintenance things i do to stay low maintenance: {brand}',
    '{n} simple things i do with my {noun}',
  ],
  'nobody-talks': [
    'underrated {noun} tips no one talks about',
    'the {noun} nobody talks about (but should)',
    'underrated habits no one talks about, starring {brand}',
    '{name}: the underrated step no one talks about',
    'no one talks about how good {name} is',
    "nobody told me about {brand} and i'm a little mad",
    'the most underrated thing in my routine? {brand}',
    'why is no one talking about {name}?',
    'an underrated {noun} tip nobody shares',
    'nobody talks about {noun} enough, so i will',
    'the underrated {brand} habit nobody mentions',
    'underrated: {name}. nobody talks about it enough',
    'the {n} most underrated {noun} tips nobody shares',
  ],
  guide: [
    'the ultimate {noun} guide',
    'your {brand} guide, the simple version',
    'the ultimate guide to {name}',
    "a beginner's guide to {noun}",
    'the lazy guide to {name}',
    'the only {noun} guide you need',
    'my {brand} guide: save this',
    'the {brand} starter guide',
    'a quick guide to getting the most out of {name}',
    'the no-stress guide to {noun}',
    'the ultimate {brand} routine guide',
    'your guide to starting {name}',
    'the {n} step {noun} guide',
  ],
  question: [
    "why didn't anyone tell me about {name}?",
    'have you tried {name} yet?',
    'is {brand} worth the hype?',
    "what's the deal with {noun}?",
    'ever heard of {name}?',
    'why is everyone talking about {brand}?',
    'is {name} actually worth it?',
    'do you really need {name}?',
    'what happens when you try {name}?',
    'why does everyone love {brand}?',
    'still not using {name}?',
    'what makes {brand} different?',
    'want {n} reasons to try {brand}?',
  ],
  statement: [
    "i tried {name} so you don't have to",
    'this changed my whole routine: {name}',
    "the upgrade i didn't know i needed: {name}",
    'my secret is finally out: {brand}',
    'stop scrolling if you need {name}',
    'honest thoughts on {name}',
    '{name} changed the way i do my routine',
    'okay, i get the {brand} hype now',
    'let me put you on {name}',
    'the little {noun} that earned a spot in my routine',
    'my honest {brand} review',
    "the {noun} i didn't know i needed",
    'the {n} reasons i swear by {brand}',
  ],
};

/** The smaller line under a hook set as title over body. */
export const HOOK_TEASERS = [
  'save this for later',
  'no gatekeeping here',
  'from someone who tried it all',
  'you can thank me later',
  'keep reading',
  'trust me on this one',
  'a little thread for you',
  'swipe, you need this',
  'the list nobody gave me',
  'take notes',
  'bookmark this one',
  'the honest version',
];

/** List lines that name the product (paired with a body line from the description when there is one). */
export const TITLES_PRODUCT = [
  'make {brand} a habit',
  "keep {brand} where you'll see it",
  'let {brand} do the work',
  'pair {brand} with what you already do',
  'give {brand} a real chance',
  'add {brand} to your routine',
  'the {noun} i keep reaching for',
  'treat yourself to {brand}',
  'trust the process with {brand}',
  '{brand} on the lazy days',
  'my {noun}, always',
  "don't skip the {noun}",
];

/** List lines about the habit, not the product. */
export const TITLES_GENERIC = [
  'start small and stay consistent',
  'keep it simple',
  'stop overcomplicating your routine',
  'consistency beats intensity',
  "do it even when you don't feel like it",
  'make it part of your routine',
  'set a little reminder',
  'give it time',
  'pick one thing and stick to it',
  'less is more',
  'invest in yourself',
  'romanticise the little things',
  'prep ahead',
  'take the pressure off',
  'make it something you look forward to',
  'protect your me-time',
  'show up for yourself',
  'do it for you, not for anyone else',
  'make time for the little things',
  'slow down',
  "keep what works, drop what doesn't",
  'celebrate the small wins',
  'build the habit first',
  'stop waiting for the perfect moment',
  'make it easy to start',
  'stack it onto a habit you already have',
  'put yourself first',
  'choose progress over perfect',
];

/** Body lines that bring the product in (under a generic list line). */
export const SUPPORTS_PRODUCT = [
  "that's where {brand} comes in",
  "that's exactly why {brand} stays in my routine",
  '{brand} makes this part easy for me',
  '{brand} fits right into this',
  'i pair this with {brand} and it feels like a treat',
  'this is the part where i reach for my {noun}',
  'for me that means {brand}, every time',
  '{brand} turned this into a habit i actually keep',
];

/** Body lines that say how it feels (under a line from the description). */
export const SUPPORTS_GENERIC = [
  "honestly the easiest upgrade i've made all year",
  "i didn't expect much and now i'm obsessed",
  'took me way too long to figure this out',
  'no one told me this and i wish they had',
  'the kind of small change that adds up',
  'this is the one everyone asks me about',
  "once it's a habit you stop thinking about it",
  'trust me, your future self will thank you',
  'low effort, and it still feels like a treat',
  'i keep coming back to this one',
  "it's the little things that add up",
  'the step i never skip anymore',
  'simple, but it works for me',
  'my favourite part of the day, not even kidding',
  'the easiest win of my whole week',
  'i wish i had started this sooner',
  'it sounds small, but i notice it every time',
  'this one is just for me',
  'zero effort, and i still look forward to it',
  "one of those things you can't stop once you start",
  'my little non-negotiable',
  'it honestly makes the whole day feel lighter',
  'small, boring, and it works for me',
  'doing this for me and nobody else',
];

/** The product slide's line as an introduction. */
export const PRODUCT_INTROS = [
  'meet {name}',
  '{name} is the one',
  'the secret? {name}',
  'found it: {name}',
  'say hi to {name}',
  'my holy grail: {name}',
  'this is {name}',
  'the game changer: {name}',
  'the one i swear by: {name}',
  'run, don\u2019t walk: {name}',
  'my ride or die: {name}',
  'you need {name}',
];

/** The product slide's line as the list's last item. */
export const PRODUCT_ITEMS = [
  '{name}, obviously',
  '{name} (my favourite)',
  'last but not least, {name}',
  'saving the best for last, {name}',
  'and finally, {name}',
  '{name}, the one i swear by',
  "don't skip {name}",
  '{name}, my MVP',
  '{name}, every single time',
  '{name}, my non-negotiable',
  'my holy grail, {name}',
  '{name}, trust me',
];

export const CTAS = [
  'link in bio',
  'tap the link in my bio',
  'get yours, link in bio',
  'shop it from the link in my bio',
  'check the link in my bio',
  "comment LINK and i'll send it",
  "it's in my bio",
  "the link's in my bio",
  'grab yours from my bio',
  'you can thank me later, link in bio',
];

/** Caption openers and closers (the middle is the description's own claims). */
export const CAPTION_OPENERS = [
  'saving this for anyone curious about {noun}',
  'the {brand} routine everyone keeps asking me about',
  'okay i finally get the hype',
  'my honest take on {name}',
  'this one is for my low maintenance friends',
  'putting you all on {name}',
  'the little upgrade i keep telling everyone about',
  'a routine that actually fits into real life',
  'not me gatekeeping {brand} any longer',
  '{brand} appreciation post',
];
export const CAPTION_CLOSERS = [
  'link in bio if you want to try it',
  "tell me in the comments if you've tried it",
  'save this for later',
  'which tip are you trying first?',
  'would you try it?',
  'share this with a friend who needs it',
  'more in my bio',
  'let me know if you want a part 2',
];

/** Reach hashtags any product may use; a source's own tags are reused only when they are one of these. */
export const REACH_TAGS = [
  '#fyp',
  '#foryou',
  '#foryoupage',
  '#tiktokmademebuyit',
  '#musthave',
  '#founditontiktok',
  '#viral',
  '#trending',
];

/** Every word the templates can add, lower case: what "traceable to a template" means. */
export const TEMPLATE_WORDS: ReadonlySet<string> = new Set(
  [
    ...Object.values(HOOKS).flat(),
    HOOK_TEASERS,
    TITLES_PRODUCT,
    TITLES_GENERIC,
    SUPPORTS_PRODUCT,
    SUPPORTS_GENERIC,
    PRODUCT_INTROS,
    PRODUCT_ITEMS,
    CTAS,
    CAPTION_OPENERS,
    CAPTION_CLOSERS,
    REACH_TAGS,
    NUMBER_WORDS,
  ]
    .flat()
    .join(' ')
    .replace(/\{\w+\}/g, ' ')
    .toLowerCase()
    .match(/\p{L}+/gu) ?? [],
);
