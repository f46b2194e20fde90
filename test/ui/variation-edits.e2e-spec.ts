import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { FakeTikTok } from '../fakes/fake-tiktok';
import { launchBrowser, openPage, screenshot, type PageGlobals } from './browser';
import { ensureUiBuilt, startUiServer, UiServer } from './ui-server';

interface Variation {
  id: string;
  photoIndex: number;
  textIndex: number;
  texts: string[];
  files: { name: string; url: string }[];
  caption: { title: string; description: string; hashtags: string[] };
  edits: unknown[];
}

/**
 * Edit after seeing, in Chromium at desktop and phone width, against the real server (offline generator,
 * local output): the caption with its Copy button, the inline text editor re-rendering a variation, and
 * Regenerate slide showing its price before it runs.
 */
describe('editing results in Chromium', () => {
  let fake: FakeTikTok;
  let server: UiServer;
  let browser: Browser;
  let nextId = 7_440_000_000_000_000_000n;

  beforeAll(async () => {
    ensureUiBuilt();
    fake = await FakeTikTok.start();
    server = await startUiServer({ TIKTOK_BASE_URL: fake.baseUrl, VARIATION_RATE_LIMIT: '100/s' });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  const api = (p: string, init?: RequestInit) => fetch(`${server.baseUrl}${p}`, init);

  /** A finished 1-link, 2×2 batch made through the API. */
  async function finishedBatch(): Promise<string> {
    const photo = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#e05a48' } })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.append('description', 'Glow serum: vitamin C that brightens skin in two weeks');
    form.append('photo', new Blob([photo], { type: 'image/jpeg' }), 'product.jpg');
    const product = (await (await api('/api/products', { method: 'POST', body: form })).json()) as { id: string };
    const link = fake.addPost({ id: String(++nextId), slides: 3 });
    const created = (await (
      await api('/api/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ links: [link], productId: product.id, photoVariations: 2, textVariations: 2 }),
      })
    ).json()) as { id: string };
    const end = Date.now() + 120_000;
    for (;;) {
      const s = (await (await api(`/api/batch/${created.id}/status`)).json()) as { status: string };
      if (s.status === 'completed') return created.id;
      if (Date.now() > end || ['failed', 'cancelled', 'completed_with_errors'].includes(s.status))
        throw new Error(`batch ${created.id} ended ${s.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function variationsOf(id: string): Promise<Variation[]> {
    const d = (await (await api(`/api/batch/${id}`)).json()) as { links: { variations: Variation[] }[] };
    return d.links[0].variations;
  }

  const localFile = (url: string) =>
    fs.readFileSync(
      path.join(
        server.config.dataDir,
        'output',
        ...url
          .replace(/^\/files\//, '')
          .split('/')
          .map(decodeURIComponent),
      ),
    );

  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 375, height: 812 },
  ]) {
    it(`edits texts and regenerates a slide at ${viewport.width} px`, async () => {
      const id = await finishedBatch();
      const before = await variationsOf(id);
      const v11 = before.find((v) => v.photoIndex === 1 && v.textIndex === 1)!;
      const { page: p, errors } = await openPage(browser, server.baseUrl, viewport);
      await p.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
      await p.goto(`/#/batch/${id}`);
      const card = p.getByRole('article', { name: 'Variation 1-1' });
      await card.waitFor({ timeout: 60_000 });

      // The caption, and Copy puts it on the clipboard as caption.txt has it.
      const caption = card.getByTestId('post-caption');
      expect(await caption.textContent()).toContain(v11.caption.title);
      await caption.getByRole('button', { name: 'Copy caption' }).click();
      await caption.getByRole('button', { name: 'Copy caption' }).filter({ hasText: 'Copied' }).waitFor();
      const clip = await p.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      );
      expect(clip).toBe(
        localFile(v11.files.find((f) => f.name === 'caption.txt')!.url)
          .toString('utf8')
          .trimEnd(),
      );

      // Edit the caption: a bad hashtag list is explained, a good one saved and written to caption.txt.
      await caption.getByRole('button', { name: 'Edit caption' }).click();
      await caption.getByLabel('Title').fill('Typed in the browser');
      await caption.getByLabel('Hashtags (3–5)').fill('#one #two');
      await caption.getByRole('button', { name: 'Save caption' }).click();
      await caption.getByRole('alert').filter({ hasText: 'hashtags' }).waitFor();
      await caption.getByLabel('Hashtags (3–5)').fill('#one #two #three');
      await caption.getByRole('button', { name: 'Save caption' }).click();
      await caption.getByRole('button', { name: 'Edit caption' }).waitFor();
      expect(await caption.textContent()).toContain('Typed in the browser');
      expect(localFile(v11.files.find((f) => f.name === 'caption.txt')!.url).toString('utf8')).toMatch(
        /^Typed in the browser\n\n[\s\S]*\n\n#one #two #three\n$/,
      );

      // Edit texts: Save re-renders, the thumbnails are fetched again.
      const slide1 = localFile(v11.files[0].url);
      await card.getByRole('button', { name: 'Edit texts' }).click();
      const editor = card.getByTestId('variation-editor');
      await editor.getByLabel('Slide 1', { exact: true }).fill('Edited in the browser');
      await expectNoOverflow(p);
      await screenshot(p, `edit-texts-${viewport.width}`);
      await editor.getByRole('button', { name: 'Save' }).click();
      await editor.waitFor({ state: 'detached' });
      await p.waitForFunction(
        () =>
          (globalThis as unknown as PageGlobals).document
            .querySelector<{ getAttribute(n: string): string }>('[aria-label="Variation 1-1"] .thumbs img')
            ?.getAttribute('src')
            .endsWith('?v=2'), // the caption edit, then this one
      );
      const after = (await variationsOf(id)).find((v) => v.id === v11.id)!;
      expect(after.texts[0]).toBe('Edited in the browser');
      expect(after.edits.map((e) => (e as { kind: string }).kind)).toEqual(['caption', 'texts']);
      expect(localFile(v11.files[0].url).equals(slide1)).toBe(false);

      // Regenerate slide: the price first, then the new image under both text variants of photo 1.
      await card.getByRole('button', { name: 'Edit texts' }).click();
      await editor.getByRole('button', { name: 'Regenerate slide' }).nth(1).click();
      const quote = editor.getByTestId('regen-quote');
      expect(await quote.textContent()).toMatch(/Free \(offline generator\) · re-renders 2 variations/);
      const slide2 = localFile(v11.files[1].url);
      await editor.getByRole('button', { name: 'Confirm' }).click();
      await quote.waitFor({ state: 'detached' });
      await p.waitForFunction(() =>
        (globalThis as unknown as PageGlobals).document
          .querySelector<{ getAttribute(n: string): string }>('[aria-label="Variation 1-2"] .thumbs img')
          ?.getAttribute('src')
          .endsWith('?v=1'),
      );
      expect(localFile(v11.files[1].url).equals(slide2)).toBe(false);
      await expectNoOverflow(p);
      // The one refused request was the bad caption above: Chromium logs every 4xx answer.
      expect(errors.filter((e) => !/status of 400 .*\/caption\)$/.test(e))).toEqual([]);
      expect(errors).toHaveLength(1);
      await p.context().close();
    }, 240_000);
  }

  async function expectNoOverflow(p: Page): Promise<void> {
    const overflow = await p.evaluate(
      () =>
        (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth -
        (globalThis as unknown as PageGlobals).innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  }
});
