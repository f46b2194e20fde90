import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { FakeTikTok } from '../fakes/fake-tiktok';
import { launchBrowser, openPage, screenshot, type PageGlobals } from './browser';
import { ensureUiBuilt, startUiServer, UiServer } from './ui-server';

/**
 * Review before paying in Debian's Chromium against the real server (offline generator, fake TikTok): the
 * box is ticked on the new-batch screen, each link stops with its plan shown, one is edited (text changed,
 * a slide dropped, one moved), saved, approved, the rest approved at once, and the batch completes with
 * the edited plan; at 1280 px and at 375 px without sideways scrolling.
 */
const FINAL_WAIT = 120_000;
let nextId = 7_430_000_000_000_000_000n;
const postIds = (n: number) => Array.from({ length: n }, () => String(++nextId));

interface Plan {
  slides: { role: string; sourceIndex: number | null; texts: string[]; scenes: string[] }[];
}

describe('review before paying in Chromium', () => {
  let fake: FakeTikTok;
  let server: UiServer;
  let browser: Browser;
  let photo: Buffer;

  beforeAll(async () => {
    ensureUiBuilt();
    fake = await FakeTikTok.start();
    server = await startUiServer({ TIKTOK_BASE_URL: fake.baseUrl, VARIATION_RATE_LIMIT: '100/s' });
    browser = await launchBrowser();
    photo = await sharp({ create: { width: 600, height: 600, channels: 3, background: { r: 40, g: 120, b: 200 } } })
      .jpeg()
      .toBuffer();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  async function startReviewBatch(p: Page, links: string[]): Promise<string> {
    await p.goto('/#/');
    await p.getByLabel(/TikTok slideshow links/).fill(links.join('\n'));
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: new RegExp(`^\\s*${links.length} valid \\|\\s+0 invalid`) })
      .waitFor();
    await p.locator('#photo-all').setInputFiles({ name: 'product.jpg', mimeType: 'image/jpeg', buffer: photo });
    await p.getByLabel('Product description').fill('Glow serum: vitamin C that brightens skin in two weeks');
    await p.getByLabel('Photo variations').selectOption('1');
    await p.getByLabel('Text variations').selectOption('2');
    const box = p.getByLabel('Let me review the plan before images are made');
    // Offline nothing is paid for, so the box starts unticked.
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await p.getByRole('button', { name: 'Start batch' }).click();
    await p.waitForURL(/#\/batch\/[0-9a-f-]{36}$/);
    return /#\/batch\/([0-9a-f-]{36})$/.exec(p.url())![1];
  }

  const overflow = (p: Page) =>
    p.evaluate(
      () =>
        (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth -
        (globalThis as unknown as PageGlobals).innerWidth,
    );

  async function planOf(p: Page, batchId: string, linkId: string): Promise<Plan> {
    return (await p.request.get(`/api/batch/${batchId}/links/${linkId}/plan`)).json() as Promise<Plan>;
  }

  it('edits, saves and approves one link, approves the rest, and the batch is made from the edited plan (1280 px)', async () => {
    const { page: p, errors } = await openPage(browser, server.baseUrl);
    const id = await startReviewBatch(
      p,
      postIds(2).map((pid) => fake.addPost({ id: pid, slides: 4 })),
    );
    const cards = p.getByTestId('link-review');
    await cards.nth(1).waitFor({ timeout: FINAL_WAIT });
    await p.getByTestId('eta').filter({ hasText: 'waiting for your review' }).waitFor();
    expect(await p.locator('.title-row [data-status="processing"]').count()).toBe(1);

    const card = cards.first();
    const linkId = (await card.getAttribute('data-link'))!;
    const before = await planOf(p, id, linkId);
    const slides = card.getByTestId('review-slide');
    expect(await slides.count()).toBe(before.slides.length);
    // Each slide shows its source thumbnail (a real image), its role and a field per variant.
    const thumb = slides.first().locator('img');
    await thumb.scrollIntoViewIfNeeded();
    await p.waitForFunction(() => {
      const img = (globalThis as unknown as PageGlobals).document.querySelector<{
        complete: boolean;
        naturalWidth: number;
      }>('[data-testid="review-slide"] img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(
      await slides
        .first()
        .getByLabel(/Scene, photo variant/)
        .count(),
    ).toBe(1);
    expect(
      await slides
        .first()
        .getByLabel(/Text, text variant/)
        .count(),
    ).toBe(2);

    await slides.first().getByLabel('Text, text variant 2').fill('My own hook, written by hand');
    const dropped = before.slides.findIndex((s, i) => i > 0 && s.role !== 'product');
    await card.getByRole('button', { name: `Drop slide ${dropped + 1}` }).click();
    await card.getByRole('button', { name: 'Move slide 2 down' }).click();
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const after = await planOf(p, id, linkId);
    expect(after.slides).toHaveLength(before.slides.length - 1);
    expect(after.slides[0].texts[1]).toBe('My own hook, written by hand');
    const rest = before.slides.filter((_, i) => i !== dropped);
    expect(after.slides.map((s) => s.sourceIndex)).toEqual([
      rest[0].sourceIndex,
      rest[2].sourceIndex,
      rest[1].sourceIndex,
      ...rest.slice(3).map((s) => s.sourceIndex),
    ]);
    await screenshot(p, 'review');
    expect(await overflow(p)).toBeLessThanOrEqual(0);

    await card.getByRole('button', { name: 'Approve link' }).click();
    await p.locator(`[data-testid="link-review"][data-link="${linkId}"]`).waitFor({ state: 'detached' });
    expect(await cards.count()).toBe(1);
    await p.getByRole('button', { name: 'Approve all' }).click();
    await p.locator('.title-row [data-status="completed"]').waitFor({ timeout: FINAL_WAIT });
    await p.getByTestId('summary').filter({ hasText: '4 of 4 variations completed' }).waitFor();

    // The edited link's variations have one slide image per edited plan slide.
    const detail = (await (await p.request.get(`/api/batch/${id}`)).json()) as {
      links: { id: string; variations: { files: { name: string }[] }[] }[];
    };
    const edited = detail.links.find((l) => l.id === linkId)!;
    for (const v of edited.variations)
      expect(v.files.filter((f) => f.name.endsWith('.jpg'))).toHaveLength(after.slides.length);
    expect(await planOf(p, id, linkId)).toEqual(after);
    expect(errors).toEqual([]);
    await p.close();
  });

  it('shows the review without sideways scrolling at 375 px and names a refused field', async () => {
    const { page: p, errors } = await openPage(browser, server.baseUrl, { width: 375, height: 812 });
    const id = await startReviewBatch(
      p,
      postIds(1).map((pid) => fake.addPost({ id: pid, slides: 3 })),
    );
    const card = p.getByTestId('link-review').first();
    await card.waitFor({ timeout: FINAL_WAIT });
    await card.getByTestId('review-slide').first().locator('img').waitFor();
    expect(await overflow(p)).toBeLessThanOrEqual(0);

    // An emptied scene is refused by the server, which names the field; nothing is saved.
    await card.getByTestId('review-slide').first().getByLabel('Scene, photo variant 1').fill(' ');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('alert').filter({ hasText: 'slides[0].scenes[0]: must not be empty' }).waitFor();
    await card
      .getByTestId('review-slide')
      .first()
      .getByLabel('Scene, photo variant 1')
      .fill('A sunny balcony with plants');
    await screenshot(p, 'review-mobile');
    expect(await overflow(p)).toBeLessThanOrEqual(0);

    await p.getByRole('button', { name: 'Approve all' }).click();
    await p.locator('.title-row [data-status="completed"]').waitFor({ timeout: FINAL_WAIT });
    const linkId = ((await (await p.request.get(`/api/batch/${id}`)).json()) as { links: { id: string }[] }).links[0]
      .id;
    expect((await planOf(p, id, linkId)).slides[0].scenes[0]).toBe('A sunny balcony with plants');
    expect(await overflow(p)).toBeLessThanOrEqual(0);
    // The browser reports the refused save itself; nothing else may be logged.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await p.close();
  });
});
