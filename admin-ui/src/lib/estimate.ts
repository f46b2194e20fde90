/**
 * The pre-start estimate, the same arithmetic as the server's src/batches/batch-estimate.ts: Gemini makes
 * one analysis call per link and one image call per (slide, photo variant), or per (slide, p, t) when
 * the model draws the text; the local generator makes no paid call. The server's exact figures (cost,
 * time at the configured rate limits) come back from POST /api/batch and show on the progress screen.
 */
export const ASSUMED_SLIDES_PER_LINK = 6;

export interface GeneratorInfo {
  name: string;
  drawsText?: boolean;
}

export function estimateCalls(g: GeneratorInfo | null, links: number, p: number, t: number, slidesPerLink = ASSUMED_SLIDES_PER_LINK) {
  if (!g || g.name !== 'gemini') return { textCalls: 0, imageCalls: 0 };
  return { textCalls: links, imageCalls: links * slidesPerLink * p * (g.drawsText ? t : 1) };
}
