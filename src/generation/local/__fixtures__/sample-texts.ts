import { Box, SlideText, SourceBlock, SourceLine, TextLook } from '../../../pipeline/source-text';

/**
 * The text on the five real sample slideshows (test/fixtures/samples, see its README), written down by
 * hand from the slides: each slide's blocks with their words, approximate boxes and the look they were set
 * in, and a caption in the voice of each post. No images: this drives the copy specs. The sources name other
 * brands and products (Ritz-Carlton, Forchics, Love Wellness, Lebanta, Amazon …): the copy must never reuse
 * those words or claims, which is what `OTHER_BRANDS` lists.
 */

export interface SampleSet {
  name: string;
  caption: string;
  slides: SlideText[];
}

const look = (over: Partial<TextLook>): TextLook => ({
  font: 'sans',
  bold: false,
  size: 0.035,
  fill: '#FFFFFF',
  treatment: 'shadow',
  accent: '#000000',
  casing: 'lower',
  align: 'center',
  ...over,
});

/** A block whose lines share its box evenly, each word as wide as its share of the letters. */
export function block(text: string, box: Box, l: TextLook): SourceBlock {
  const rows = text.split('\n');
  const h = box.h / rows.length;
  const lines: SourceLine[] = rows.map((row, i) => {
    const lineBox = { x: box.x, y: box.y + i * h, w: box.w, h };
    const words = row.split(' ').filter(Boolean);
    const total = words.reduce((n, w) => n + w.length + 1, 0);
    let x = box.x;
    return {
      text: row,
      box: lineBox,
      words: words.map((w) => {
        const wb = { x, y: lineBox.y, w: (box.w * w.length) / total, h };
        x += (box.w * (w.length + 1)) / total;
        return { text: w, box: wb, confidence: 0.9 };
      }),
    };
  });
  return { text, box, lines, look: l };
}

export function photo(width: number, height: number, ...blocks: SourceBlock[]): SlideText {
  return { kind: 'photo', blocks, marks: [], background: null, width, height, ms: 0 };
}

export function card(width: number, height: number, background: string, ...blocks: SourceBlock[]): SlideText {
  return { kind: 'card', blocks, marks: [], background, width, height, ms: 0 };
}

/** A title over a smaller body paragraph, the most common list slide. */
function titled(w: number, h: number, title: string, body: string, at: Box, t: TextLook, b: TextLook): SlideText {
  const titleH = t.size * (w / h) * 1.3;
  const bodyRows = Math.max(1, Math.ceil(body.length / 42));
  return photo(
    w,
    h,
    block(title, { ...at, h: titleH }, t),
    block(body, { ...at, y: at.y + titleH + 0.005, h: bodyRows * b.size * (w / h) * 1.3 }, b),
  );
}

const serif = look({ font: 'serif', size: 0.033, treatment: 'none', accent: null });
const set01: SampleSet = {
  name: 'set_01',
  caption: 'the ultimate glow up guide 🤍✨ #glowup #thatgirl #selfcare #wellness',
  slides: [
    photo(1536, 2048, block('the ultimate\nglow up guide', { x: 0.53, y: 0.405, w: 0.19, h: 0.06 }, serif)),
    photo(1536, 2048, block('sleep 8 hours every night', { x: 0.12, y: 0.75, w: 0.32, h: 0.022 }, serif)),
    photo(1536, 2048, block('move your body', { x: 0.21, y: 0.58, w: 0.2, h: 0.02 }, serif)),
    photo(1536, 2048, block('take your vitamins', { x: 0.54, y: 0.83, w: 0.23, h: 0.02 }, serif)),
    photo(1536, 2048, block('visualise your goals', { x: 0.13, y: 0.47, w: 0.21, h: 0.02 }, serif)),
    photo(1536, 2048, block('find your essentials', { x: 0.36, y: 0.86, w: 0.27, h: 0.023 }, serif)),
    photo(1536, 2048, block('work towards your goals', { x: 0.06, y: 0.27, w: 0.29, h: 0.02 }, serif)),
    photo(1536, 2048, block('practice gratitude', { x: 0.21, y: 0.86, w: 0.24, h: 0.021 }, serif)),
    photo(1536, 2048, block('gift yourself\nbeauty treatments', { x: 0.55, y: 0.655, w: 0.2, h: 0.04 }, serif)),
  ],
};

const t03 = look({ size: 0.036 });
const b03 = look({ size: 0.027 });
const s03 = (title: string, body: string, at: Box) => titled(1440, 1920, title, body, at, t03, b03);
const set03: SampleSet = {
  name: 'set_03',
  caption: 'easy habits i wish i knew sooner 🎀 save this for later #feminine #softlife #habits #fyp #glowup',
  slides: [
    photo(
      1440,
      1920,
      block('easy habits i wish i knew sooner\nto be ultra feminine', { x: 0.29, y: 0.555, w: 0.42, h: 0.04 }, b03),
    ),
    s03(
      'listen to luxury hotel playlists',
      'while doing chores, listen to ritz carlton or four seasons playlists. stop listening to music with negative aura.',
      { x: 0.09, y: 0.2, w: 0.4, h: 0.1 },
    ),
    s03(
      'wear perfume to bed',
      'it\u2019s the tiniest thing but makes you feel expensive even in pajamas. my secret to "she just smells rich" vibes',
      { x: 0.46, y: 0.22, w: 0.37, h: 0.09 },
    ),
    s03(
      'use hair growth oil spray',
      'this forchics product is by far the best hair growth oil I\u2019ve ever tried. I got it on Amazon, for anyone wondering <3',
      { x: 0.2, y: 0.65, w: 0.43, h: 0.09 },
    ),
    s03(
      'walk slowly & gracefully',
      'stop rushing everywhere. slow. down, take up space, and move like the world\u2019s already watching you (because they probably are)',
      { x: 0.15, y: 0.49, w: 0.47, h: 0.09 },
    ),
    s03(
      'upgrade your drink',
      'ditch plain water for lemon slices or cucumber. it gives "spa day every day" and somehow makes you drink more',
      { x: 0.12, y: 0.14, w: 0.39, h: 0.09 },
    ),
    card(
      1200,
      1600,
      '#DCDCF8',
      block(
        'choose your\nsoft life\ntoday💕🫶',
        { x: 0.08, y: 0.33, w: 0.79, h: 0.5 },
        look({
          font: 'handwriting',
          bold: true,
          size: 0.09,
          fill: '#2B3A9E',
          treatment: 'none',
          accent: null,
          align: 'left',
        }),
      ),
    ),
  ],
};

const t06 = look({ size: 0.042 });
const b06 = look({ size: 0.031 });
const s06 = (title: string, body: string, at: Box) => titled(1080, 1440, title, body, at, t06, b06);
const set06: SampleSet = {
  name: 'set_06',
  caption: 'high maintenance so i can be low maintenance 💅🏼 #lowmaintenance #beautyhacks #selfcare #fyp',
  slides: [
    photo(
      1080,
      1440,
      block('high maintenance things i\ndo to stay low maintenance', { x: 0.22, y: 0.6, w: 0.56, h: 0.08 }, t06),
    ),
    s06('laser hair removal', 'I have not shaved in YEARS', { x: 0.42, y: 0.54, w: 0.38, h: 0.05 }),
    s06('at home eyebrow tint', 'once every 3 weeks,\nno makeup ever', { x: 0.29, y: 0.13, w: 0.41, h: 0.1 }),
    s06('press on nails', 'i got me time and they last longer than anything with the right glue and UV lamp', {
      x: 0.38,
      y: 0.17,
      w: 0.31,
      h: 0.11,
    }),
    s06('lip tint/stain', 'again i just do not want to put on makeup every single day!', {
      x: 0.42,
      y: 0.23,
      w: 0.4,
      h: 0.09,
    }),
    photo(
      1080,
      1440,
      block('ph balanced cleanser', { x: 0.15, y: 0.32, w: 0.36, h: 0.04 }, t06),
      block(
        'Best feminine cleanser!\nNo burning, stinging or irritation.\nWashes away in seconds.\nThe wash eliminates odor even\nlate at night after a 7 am shower.',
        { x: 0.15, y: 0.38, w: 0.36, h: 0.11 },
        look({ size: 0.026, casing: 'sentence' }),
      ),
      block('so affordable on Love\nWellness website', { x: 0.15, y: 0.5, w: 0.3, h: 0.05 }, look({ size: 0.026 })),
    ),
    card(
      1080,
      1440,
      '#DFE3EC',
      block(
        'work\nsmarter,\nnot\nharder💅✨',
        { x: 0.09, y: 0.1, w: 0.66, h: 0.66 },
        look({ bold: true, size: 0.13, fill: '#000000', treatment: 'none', accent: null, align: 'left' }),
      ),
    ),
  ],
};

const t10 = look({ size: 0.05, casing: 'title' });
const b10 = look({ size: 0.038 });
const s10 = (title: string, body: string, at: Box) => titled(1080, 1440, title, body, at, t10, b10);
const set10: SampleSet = {
  name: 'set_10',
  caption: 'Which one are you trying first? ✨ #GlowUp #SelfCare #Habits #FYP',
  slides: [
    photo(
      1080,
      1440,
      block('underrated glow-up habits\nno one talks about✨', { x: 0.28, y: 0.75, w: 0.57, h: 0.09 }, b10),
    ),
    s10(
      'Daily Walks Without Music',
      'learn to live without distractions. we are constantly stimulated by conversations, music, social media. your creativity will flow when you finally silence the noise',
      { x: 0.07, y: 0.12, w: 0.71, h: 0.25 },
    ),
    s10(
      'At Home Core Workouts',
      'you don\u2019t need a fancy pilates studio! some of the best workouts i\u2019ve tried are on YouTube. Nikolas pilates & lili sabri will put you to workkkk',
      { x: 0.29, y: 0.36, w: 0.64, h: 0.23 },
    ),
    s10(
      'Listen to Podcasts!',
      'good for education and mental development. some of my favs are the burnouts, aspire by emma grede, and diary of a ceo',
      { x: 0.07, y: 0.31, w: 0.58, h: 0.2 },
    ),
    s10(
      'Infrared Sauna & Red Light Therapy',
      'i could talk about this all day. amazing for muscle recovery, hair growth, skin cell regeneration. so worth the investment.',
      { x: 0.1, y: 0.38, w: 0.81, h: 0.21 },
    ),
    s10(
      'Steam Eye Mask Before Bed',
      'total game changer for my sleep and eye strain. i keep lumidew masks on my nightstand, they warm up on their own and feel like a cozy spa moment. got them on amazon',
      { x: 0.07, y: 0.22, w: 0.69, h: 0.28 },
    ),
    s10(
      'Nutrient Dense Meals',
      'falling in luv with cooking is the best thing ive done for myself. it completely heals your relationship with food ++ i love eating colorful meals',
      { x: 0.12, y: 0.48, w: 0.64, h: 0.22 },
    ),
    card(
      1200,
      1600,
      '#F6EEE3',
      block(
        'Share your\nbeauty tip so we\ncan all be fine\nbefore Christmas💋💖✨',
        { x: 0.06, y: 0.3, w: 0.79, h: 0.5 },
        look({
          font: 'serif',
          size: 0.085,
          fill: '#2E2A26',
          treatment: 'none',
          accent: null,
          casing: 'sentence',
          align: 'left',
        }),
      ),
    ),
  ],
};

const t13 = look({ size: 0.035 });
const b13 = look({ size: 0.027 });
const s13 = (title: string, body: string, at: Box) => titled(1440, 1920, title, body, at, t13, b13);
const set13: SampleSet = {
  name: 'set_13',
  caption:
    'hair care tips that actually work!! comment if you want part 2 🫶 #haircare #hairtok #healthyhair #hairgrowth #fyp',
  slides: [
    photo(
      1440,
      1920,
      block(
        'Simple things I do at home\nto make my hair 10x better',
        { x: 0.32, y: 0.635, w: 0.36, h: 0.045 },
        look({ size: 0.03, casing: 'sentence' }),
      ),
    ),
    s13('double shampooing', 'first time to get rid of dirt & oil\nsecond time to actually work in the hair', {
      x: 0.2,
      y: 0.37,
      w: 0.4,
      h: 0.07,
    }),
    s13(
      'stop drinking matcha',
      'if you\u2019re drinking matcha everyday (like me before) be careful, matcha can cause hair falling cause it blocks your body\u2019s natural iron absorption which increases hair loss',
      { x: 0.1, y: 0.32, w: 0.47, h: 0.11 },
    ),
    photo(
      1440,
      1920,
      block('rice masks', { x: 0.67, y: 0.26, w: 0.15, h: 0.025 }, t13),
      block(
        'works for the face too to add\nmoisture and make everything\nbaby soft and smooth',
        { x: 0.59, y: 0.295, w: 0.31, h: 0.06 },
        b13,
      ),
      block(
        '(comment rice and i\u2019ll send u how i\nmake it, it takes 2 mins!!!)',
        { x: 0.43, y: 0.43, w: 0.31, h: 0.04 },
        b13,
      ),
    ),
    s13('satin pillows & scrunchies', 'reduces breakage and makes\nyour hair less frizzy!', {
      x: 0.4,
      y: 0.58,
      w: 0.35,
      h: 0.06,
    }),
    s13('silicone claw clips', 'much safer and rips less of my hair out,\nmore comfortable in the car', {
      x: 0.25,
      y: 0.37,
      w: 0.4,
      h: 0.07,
    }),
    s13(
      'washing hair brushes',
      'needs to be done at LEAST once a week to get rid of all the trapped dust and oil bc you\u2019re just putting it back in your hair when you brush',
      { x: 0.13, y: 0.77, w: 0.39, h: 0.11 },
    ),
    s13(
      'leave in conditioner',
      'not too often or i\u2019ll use clarifying shampoo once a week to help but has added so much shine back into my hair and protects it',
      { x: 0.17, y: 0.74, w: 0.43, h: 0.1 },
    ),
    s13(
      'hair oiling & scalp massages',
      'repairs all of the damage and grows my hair so quickly, have been loving this lebanta from amazon lately',
      { x: 0.23, y: 0.28, w: 0.4, h: 0.09 },
    ),
    card(
      1200,
      1600,
      '#FCE8F1',
      block(
        'No\ngatekeeping 🚫 what\u2019s the\nbest tips you\ncan share?🫶💕',
        { x: 0.16, y: 0.17, w: 0.65, h: 0.55 },
        look({
          bold: true,
          size: 0.08,
          fill: '#5A3A2E',
          treatment: 'none',
          accent: null,
          casing: 'sentence',
          align: 'left',
        }),
      ),
    ),
  ],
};

export const SAMPLE_SETS: SampleSet[] = [set01, set03, set06, set10, set13];

/** Other brands, products and places the sample slides name: none may appear in the new copy. */
export const OTHER_BRANDS = [
  'ritz',
  'carlton',
  'seasons',
  'forchics',
  'amazon',
  'wellness',
  'youtube',
  'nikolas',
  'sabri',
  'burnouts',
  'aspire',
  'grede',
  'lebanta',
  'redken',
  'chanel',
  'versace',
  'matcha',
  'perfume',
];

/** Face tape descriptions as sellers write them (the sample product: test/fixtures/samples/product-face-tape.png). */
export const FACE_TAPE = {
  short: 'LumiDew face tape – smoothing patches you wear overnight',
  benefits: [
    'LumiDew Smoothing Face Tape',
    'Overnight patches that smooth forehead lines, frown lines and smile lines while you sleep.',
    '• Wake up with visibly smoother skin',
    '• Gentle, breathable adhesive made for sensitive skin',
    '• No needles, no downtime',
    '• 24 patches in a reusable storage card',
    '• Works with your usual night cream',
  ].join('\n'),
  prose:
    'LumiDew face tape is a set of soft purple patches that hold the skin still while you sleep, so the lines you make when you frown or raise your brows get a night off. Put one on clean, dry skin before bed and peel it off in the morning. The adhesive is gentle enough for sensitive skin and comes off without leaving residue. Most people see a smoother forehead after the first week.',
  oneWord: 'LumiDew',
  german:
    'LumiDew Gesichtstape – sanfte Pflaster für die Nacht. Glättet Stirn- und Zornesfalten im Schlaf. Ohne Nadeln, ohne Ausfallzeit.',
};

const MARKERS = {
  dot: (k: number) => `${k}. `,
  hash: (k: number) => `#${k} `,
  paren: (k: number) => `${k}) `,
  tip: (k: number) => `tip ${k}: `,
  step: (k: number) => `Step ${k} - `,
  emoji: (k: number) => `${k}\uFE0F\u20E3 `,
};
export type MarkerName = keyof typeof MARKERS | 'bare';
export const MARKER_NAMES: MarkerName[] = [...(Object.keys(MARKERS) as MarkerName[]), 'bare'];

/**
 * A sample set whose list slides (all but the hook and a closing card) are numbered 1..N: the number put
 * before the title, or for `bare` set alone in a big block above it.
 */
export function numbered(set: SampleSet, marker: MarkerName): SampleSet {
  let k = 0;
  const slides = set.slides.map((s, i) => {
    if (i === 0 || s.kind === 'card' || !s.blocks.length) return s;
    k++;
    const [first, ...rest] = s.blocks;
    if (marker === 'bare') {
      const big = block(
        String(k),
        { ...first.box, y: Math.max(0, first.box.y - 0.08), h: 0.07 },
        {
          ...first.look,
          size: first.look.size * 2,
        },
      );
      return { ...s, blocks: [big, ...s.blocks] };
    }
    return { ...s, blocks: [block(MARKERS[marker](k) + first.text, first.box, first.look), ...rest] };
  });
  return { ...set, name: `${set.name} numbered ${marker}`, slides };
}
