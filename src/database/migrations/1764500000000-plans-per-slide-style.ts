import { MigrationInterface, QueryRunner } from 'typeorm';

/** The first plan format, as stored. */
interface StoredPlanV1 {
  version: 1;
  textVariations: number;
  style: { sizeClass: 'small' | 'medium' | 'large'; fill: string; treatment: string; accent: string; position: string };
  slides: { texts: string[] }[];
}

const SIZE = { small: 0.045, medium: 0.06, large: 0.08 };
const BAND_TOP: Record<string, number> = { top: 0.1, middle: 0.4, bottom: 0.58 };

/**
 * Stored plans move to the second format: the plan's one text style becomes each slide's style (sans, bold,
 * centred, in a band at the old position), slides get an empty source text, the plan gets no subject and a
 * caption per text variant made from that variant's hook. A snapshot of the upgrade at the time of writing
 * (pipeline/plan.ts upgradePlan does the same on load, for plans written by a worker of the previous version),
 * so this migration keeps producing the second format whatever the plan format becomes later.
 */
export class PlansPerSlideStyle1764500000000 implements MigrationInterface {
  name = 'PlansPerSlideStyle1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const p = (n: number) => (q.connection.options.type === 'postgres' ? `$${n}` : '?');
    const rows: { id: string; plan: string }[] = await q.query(
      `SELECT id, plan FROM batch_links WHERE plan IS NOT NULL`,
    );
    for (const row of rows) {
      const plan = JSON.parse(row.plan) as StoredPlanV1 | { version: number };
      if (plan.version !== 1) continue;
      const v1 = plan as StoredPlanV1;
      const { style, ...rest } = v1;
      const look = {
        font: 'sans',
        bold: true,
        size: SIZE[style.sizeClass] ?? 0.06,
        fill: style.fill,
        treatment: style.treatment,
        accent: style.accent,
        casing: 'sentence',
        align: 'center',
        box: { x: 0.08, y: BAND_TOP[style.position] ?? 0.1, w: 0.78, h: 0.2 },
        body: null,
      };
      const v2 = {
        ...rest,
        version: 2,
        subject: null,
        captions: Array.from({ length: v1.textVariations }, (_, t) => ({
          title: (v1.slides[0]?.texts[t] || 'New post').replace(/\s+/g, ' ').trim().slice(0, 90),
          description: v1.slides
            .slice(1)
            .map((s) => (s.texts[t] ?? '').replace(/\s+/g, ' ').trim())
            .filter(Boolean)
            .join(' · ')
            .slice(0, 2200),
          hashtags: ['#fyp', '#foryou', '#tiktokmademebuyit'],
        })),
        slides: v1.slides.map((s) => ({ ...s, sourceText: '', style: look })),
      };
      await q.query(`UPDATE batch_links SET plan = ${p(1)} WHERE id = ${p(2)}`, [JSON.stringify(v2), row.id]);
    }
  }

  /** The second format carries more than the first can hold: going back keeps the plans as they are. */
  async down(): Promise<void> {}
}
