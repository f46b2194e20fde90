import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { FakeTikTok } from '../fakes/fake-tiktok';
import { launchBrowser, openPage, screenshot, type PageGlobals } from './browser';
import { ensureUiBuilt, startUiServer, UiServer } from './ui-server';

/**
 * The admin UI in Debian's Chromium against the real server (real Redis and database, fake TikTok,
 * offline generator): paste → validate → product → start → progress → results, invalid lines, cancel,
 * a failing link retried, history, a phone-sized screen, and no console errors anywhere.
 */
// Generous: the offline generator shares 2 cores with other work; a healthy run ends each batch in seconds.
const FINAL_WAIT = 120_000;
let nextId = 7_400_000_000_000_000_000n;
const postIds = (n: number) => Array.from({ length: n }, () => String(++nextId));

describe('admin UI in Chromium', () => {
  let fake: FakeTikTok;
  let server: UiServer;
  let browser: Browser;
  let photo: Buffer;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt();
    fake = await FakeTikTok.start();
    server = await startUiServer({
      TIKTOK_BASE_URL: fake.baseUrl,
      VARIATION_RATE_LIMIT: '100/s',
      VIDEO_SECONDS_PER_SLIDE: '0.5',
      JOB_ATTEMPTS: '2', // a rate-limited post (Retry-After 7 s) fails for good after one retry
    });
    browser = await launchBrowser();
    photo = await sharp({ create: { width: 600, height: 600, channels: 3, background: { r: 236, g: 96, b: 72 } } })
      .composite([
        { input: Buffer.from('<svg width="600" height="600"><circle cx="300" cy="300" r="180" fill="#fff6"/></svg>') },
      ])
      .jpeg()
      .toBuffer();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  async function page(viewport?: { width: number; height: number }): Promise<Page> {
    const { page, errors } = await openPage(browser, server.baseUrl, viewport);
    page.on('close', () => consoleErrors.push(...errors));
    // Checked at the end of each test too, so a failure names the screen.
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }
  const errorsOf = (p: Page) => (p as Page & { errors?: string[] }).errors ?? [];
  /** The browser logs a preview's 422 (an unusable post) as a console error; nothing else may be logged. */
  function expectOnlyPreviewRefusals(p: Page) {
    const errors = errorsOf(p);
    expect(errors.filter((e) => !/status of 422 .*\/api\/links\/preview\)$/.test(e))).toEqual([]);
    errors.length = 0;
  }

  async function fillBatch(p: Page, links: string[], opts: { photoVariations: number; textVariations: number }) {
    await p.goto('/#/');
    await p.getByLabel(/TikTok slideshow links/).fill(links.join('\n'));
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: new RegExp(`^\\s*${links.length} valid \\|\\s+0 invalid`) })
      .waitFor();
    await p.locator('#photo-all').setInputFiles({ name: 'product.jpg', mimeType: 'image/jpeg', buffer: photo });
    await p.getByLabel('Product description').fill('Glow serum: vitamin C that brightens skin in two weeks');
    await p.getByLabel('Photo variations').selectOption(String(opts.photoVariations));
    await p.getByLabel('Text variations').selectOption(String(opts.textVariations));
  }

  async function startAndGetId(p: Page): Promise<string> {
    try {
      await p.getByRole('button', { name: 'Start batch' }).click({ timeout: 60_000 });
      await p.waitForURL(/#\/batch\/[0-9a-f-]{36}$/);
    } catch (e) {
      // Name what the form says is missing or went wrong.
      const said = await p.locator('[data-testid="start-blocker"], [role="alert"]').allTextContents();
      throw new Error(`Start did not open the batch: ${said.join(' | ') || 'nothing shown'}`, { cause: e });
    }
    return /#\/batch\/([0-9a-f-]{36})$/.exec(p.url())![1];
  }

  /** Waits for the batch page's status badge; on timeout the error carries the API's view of the batch. */
  async function waitForBadge(p: Page, status: string): Promise<void> {
    try {
      await p.locator(`.title-row [data-status="${status}"]`).waitFor({ timeout: FINAL_WAIT });
    } catch (e) {
      const id = /#\/batch\/([0-9a-f-]{36})/.exec(p.url())?.[1];
      const api = id ? await p.request.get(`/api/batch/${id}/status`).then((r) => r.text()) : 'no batch id in the URL';
      throw new Error(`batch page never showed "${status}": ${(e as Error).message}\nAPI status: ${api}`, { cause: e });
    }
  }

  it('takes a 5-link batch with one photo applied to all from paste to results with thumbnails', async () => {
    const p = await page();
    const links = postIds(5).map((id) => fake.addPost({ id, slides: 3 }));
    await fillBatch(p, links, { photoVariations: 1, textVariations: 2 });
    expect(await p.getByTestId('totals').textContent()).toContain('2 variations per link, 10 total');
    await p.getByLabel('Text variations').selectOption('1');
    expect(await p.getByTestId('totals').textContent()).toContain('1 variation per link, 5 total');
    // The server prices the batch before it starts: offline, no cost, time at the rate limit.
    await p
      .getByTestId('estimate')
      .filter({ hasText: 'Offline generator: no paid calls, no cost; at least' })
      .waitFor();
    expect(await p.getByTestId('product-row').count()).toBe(5);
    await p.getByRole('button', { name: 'Preview links' }).click();
    await p.getByTestId('preview-ok').nth(4).waitFor();
    expect(await p.getByTestId('preview-ok').first().textContent()).toContain('3 slides');
    expect(await p.getByRole('button', { name: 'Start batch' }).isEnabled()).toBe(true);
    await screenshot(p, 'new-batch');

    const id = await startAndGetId(p);
    // The new page is announced: focus moves to a line naming the batch, and the tab title follows it.
    await p.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }
        ).document.activeElement?.getAttribute('data-testid') === 'batch-arrival',
    );
    await waitForBadge(p, 'completed');
    await p.waitForFunction(() =>
      /: Completed · Slideshow Studio$/.test((globalThis as unknown as { document: { title: string } }).document.title),
    );
    await p.getByTestId('summary').filter({ hasText: '5 of 5 variations completed' }).waitFor();
    await p.getByTestId('variation').nth(4).waitFor();
    const thumbs = p.locator('[data-testid="variation"] img');
    expect(await thumbs.count()).toBeGreaterThanOrEqual(5 * 3);
    // Thumbnails are real images that loaded, and each opens its full-size file.
    await thumbs.first().scrollIntoViewIfNeeded();
    await p.waitForFunction(() => {
      const img = (globalThis as unknown as PageGlobals).document.querySelector<{
        complete: boolean;
        naturalWidth: number;
      }>('[data-testid="variation"] img');
      return !!img && img.complete && img.naturalWidth === 270; // the thumbnail, not the 1080 px slide
    });
    const [full] = await Promise.all([p.context().waitForEvent('page'), thumbs.first().click()]);
    await full.waitForLoadState();
    expect(full.url()).toMatch(/\/files\/.+\.jpe?g$/);
    await full.close();
    const zip = await p.getByRole('link', { name: 'Download ZIP' }).getAttribute('href');
    expect(zip).toBe(`/api/batch/${id}/download`);
    const zipRes = await p.request.get(zip!);
    expect(zipRes.status()).toBe(200);
    expect(zipRes.headers()['content-type']).toContain('zip');
    await screenshot(p, 'results');

    // A reload of the batch URL resumes on the same batch.
    await p.reload();
    await p.getByTestId('summary').filter({ hasText: '5 of 5 variations completed' }).waitFor();
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  it('lists invalid lines with reasons and keeps Start disabled', async () => {
    const p = await page();
    const [id] = postIds(1);
    const good = fake.addPost({ id, slides: 3 });
    const paste = [
      good,
      'https://example.com/@x/photo/123',
      'hello',
      `https://tiktok.com/@someone/photo/${id}?lang=en`,
    ].join('\n');
    await p.goto('/#/');
    await p.getByLabel(/TikTok slideshow links/).fill(paste);
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: /^\s*1 valid \|\s+3 invalid/ })
      .waitFor();
    await p.locator('#photo-all').setInputFiles({ name: 'product.jpg', mimeType: 'image/jpeg', buffer: photo });
    await p.getByLabel('Product description').fill('A product');
    await p.getByRole('button', { name: 'View invalid' }).click();
    const lines = p.getByTestId('invalid-line');
    expect(await lines.count()).toBe(3);
    const texts = await lines.allTextContents();
    expect(texts[0]).toContain('example.com');
    for (const t of texts) expect(t).toMatch(/#\d+ .+ \S+/); // line number, input, reason
    expect(texts.join('\n')).toMatch(/duplicate/i);
    expect(await p.getByRole('button', { name: 'Start batch' }).isDisabled()).toBe(true);
    expect(await p.getByTestId('start-blocker').textContent()).toContain('3 invalid links');
    await screenshot(p, 'validation-errors');
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  it('cleans a pasted list in one click: duplicates, lines without links, posts the preview found unusable', async () => {
    const p = await page();
    const [a, b, priv] = postIds(3);
    const good = fake.addPost({ id: a, slides: 3 });
    const other = fake.addPost({ id: b, slides: 3 });
    const privateUrl = fake.addPost({ id: priv, kind: 'private' });
    const paste = [
      'my picks for this week',
      `first ${good} (the serum one)`,
      '',
      good,
      other,
      privateUrl,
      'https://example.com/nope',
    ].join('\n');
    await p.goto('/#/');
    const box = p.getByLabel(/TikTok slideshow links/);
    await box.fill(paste);
    // The preview runs by itself: the private post becomes an invalid line with its reason.
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: /^\s*2 valid \|\s+4 invalid/ })
      .waitFor();
    await p.getByRole('button', { name: 'View invalid' }).click();
    const lines = await p.getByTestId('invalid-line').allTextContents();
    expect(lines.map((l) => /#(\d+)/.exec(l)?.[1])).toEqual(['1', '4', '6', '7']);
    expect(lines[0]).toContain('no link in this line');
    expect(lines[1]).toMatch(/duplicate of line 2/);
    expect(lines[2]).toMatch(/private/);
    expect(await p.getByRole('button', { name: 'Start batch' }).isDisabled()).toBe(true);

    await p.getByRole('button', { name: 'Remove duplicates' }).click();
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: /^\s*2 valid \|\s+3 invalid/ })
      .waitFor();
    await p.getByRole('button', { name: 'Remove invalid lines' }).click();
    await p
      .getByTestId('validation-counts')
      .filter({ hasText: /^\s*2 valid \|\s+0 invalid/ })
      .waitFor();
    // The link inside prose is kept as the link alone; blank lines the user typed stay.
    expect((await box.inputValue()).split('\n').filter(Boolean)).toEqual([good, other]);
    await screenshot(p, 'cleaned-list');
    expectOnlyPreviewRefusals(p);
    await p.close();
  });

  it('picks a saved product, copies it to all links, and keeps it after "Start new batch"', async () => {
    const p = await page();
    const product = await p.request.post('/api/products', {
      multipart: {
        description: 'Night cream with retinol',
        photo: { name: 'p.jpg', mimeType: 'image/jpeg', buffer: photo },
      },
    });
    const productId = (await product.json()).id as string;
    await p.request.patch(`/api/products/${productId}`, { data: { name: 'Night cream' } });
    const links = postIds(2).map((id) => fake.addPost({ id, slides: 3 }));
    await p.goto('/#/');
    await p.getByLabel(/TikTok slideshow links/).fill(links.join('\n'));
    await p.getByLabel('Text variations').selectOption('1');
    await p.getByLabel('Photo variations').selectOption('1');

    // Per link: pick the saved product for link 1, copy it to the others; no upload is needed.
    await p.getByLabel('Apply to all links').uncheck();
    await p.locator('#saved-1').selectOption({ label: 'Night cream' });
    expect(await p.getByTestId('start-blocker').textContent()).toContain('for link 2');
    await p.getByRole('button', { name: "Copy link 1's product to all" }).click();
    expect(await p.locator('#saved-2').inputValue()).toBe(productId);
    await p.getByLabel('Apply to all links').check();
    await p.locator('#saved-all').selectOption({ label: 'Night cream' });
    expect(await p.getByTestId('saved-description').textContent()).toBe('Night cream with retinol');
    // Re-pricing the same paste (here for the MP4 export) prices the export in and never disables Start.
    const startButton = p.getByRole('button', { name: 'Start batch' });
    await p.getByTestId('estimate').filter({ hasText: 'at your rate limit.' }).waitFor();
    await p.getByLabel('Also export MP4 video').check();
    expect(await startButton.isEnabled()).toBe(true);
    await p.getByTestId('estimate').filter({ hasText: 'with the MP4 export' }).waitFor();
    expect(await startButton.isEnabled()).toBe(true);
    await p.getByLabel('Also export MP4 video').uncheck();
    expect(await startButton.isEnabled()).toBe(true);
    const id = await startAndGetId(p);
    const detail = await (await p.request.get(`/api/batch/${id}`)).json();
    expect(detail.links.map((l: { productId: string }) => l.productId)).toEqual([productId, productId]);

    await waitForBadge(p, 'completed');
    await p.getByRole('link', { name: 'Start new batch' }).click();
    await p.getByRole('heading', { name: 'New batch' }).waitFor();
    await p.locator('#saved-all').waitFor();
    expect(await p.locator('#saved-all').inputValue()).toBe(productId);
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  it('shows why links failed, retries the one a retry can fix and lists the one it cannot', async () => {
    const p = await page();
    const [okId, limitedId, videoId] = postIds(3);
    const links = [
      fake.addPost({ id: okId, slides: 3 }),
      fake.addPost({ id: limitedId, slides: 3, kind: 'ratelimited' }),
      fake.addPost({ id: videoId, slides: 3, kind: 'video' }),
    ];
    // Made through the API: the form would refuse the video post before Start (its preview says why).
    const product = await p.request.post('/api/products', {
      multipart: { description: 'Glow serum', photo: { name: 'product.jpg', mimeType: 'image/jpeg', buffer: photo } },
    });
    const created = await p.request.post('/api/batch', {
      data: { links, productId: (await product.json()).id, photoVariations: 1, textVariations: 1, video: true },
    });
    expect(created.status()).toBe(201);
    await p.goto(`/#/batch/${(await created.json()).id}`);
    await waitForBadge(p, 'completed_with_errors');
    const failures = p.getByTestId('failures');
    await failures.waitFor();
    const reason = (await failures.textContent()) ?? '';
    expect(reason).toContain('Link 2');
    expect(reason).toContain('Link 3');
    expect(reason).toMatch(/fetch/i);
    expect(reason).toMatch(/video|slideshow/i);
    // The video can never succeed: listed with its reason, not offered for a retry.
    const permanent = p.getByTestId('not-retryable');
    expect(await permanent.locator('summary').textContent()).toBe("1 failure can't be retried");
    expect(await permanent.textContent()).toMatch(/video|slideshow/i);
    expect(await p.getByTestId('retry').textContent()).toContain('Retry 1 failed variation');

    // The rate limit passes, and the retry fetches that post again and makes its variation.
    fake.addPost({ id: limitedId, slides: 3 });
    await p.getByRole('button', { name: 'Retry 1 failed variation' }).click();
    await p.getByTestId('summary').filter({ hasText: '2 of 3 variations completed' }).waitFor({ timeout: FINAL_WAIT });
    await waitForBadge(p, 'completed_with_errors');
    expect(await p.getByTestId('retry').count()).toBe(0);
    // Both made variations were asked for an MP4: each plays in the page.
    const players = p.locator('[data-testid="variation"] video');
    // The results page arrives after the summary (which comes with the status): wait for it, then count.
    await players
      .nth(1)
      .waitFor()
      .catch(async (e) => {
        const id = /#\/batch\/([0-9a-f-]{36})/.exec(p.url())?.[1];
        const api = await p.request.get(`/api/batch/${id}`).then((r) => r.text());
        throw new Error(`two players expected: ${(e as Error).message}\nAPI detail: ${api}`, { cause: e });
      });
    expect(await players.count()).toBe(2);
    expect(await players.first().getAttribute('src')).toMatch(/\/files\/.+\/slideshow\.mp4$/);
    await p.waitForFunction(
      () =>
        ((globalThis as unknown as PageGlobals).document.querySelector<{ readyState: number }>(
          '[data-testid="variation"] video',
        )?.readyState ?? 0) >= 1,
    );
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  it('lists past batches in the history, opens one and deletes one after confirmation', async () => {
    const p = await page();
    await p.goto('/#/history');
    const rows = p.getByTestId('history-row');
    await rows.first().waitFor();
    const before = await rows.count();
    expect(before).toBeGreaterThanOrEqual(2);
    expect(await rows.first().textContent()).toMatch(/Completed/);
    await screenshot(p, 'history');

    const victim = rows.last();
    const victimId = await victim.getAttribute('data-id');
    await victim.getByRole('button', { name: 'Delete' }).click();
    await victim.getByRole('button', { name: 'Delete' }).click(); // the confirmation
    await p.locator(`[data-testid="history-row"][data-id="${victimId}"]`).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(before - 1);

    await rows.first().getByRole('link', { name: 'Open' }).click();
    await p.getByTestId('summary').waitFor();
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  it('is usable 375 px wide: the form, and results of 5 links × 4 variations on small thumbnails', async () => {
    const p = await page({ width: 375, height: 812 });
    const links = postIds(5).map((id) => fake.addPost({ id, slides: 3 }));
    await fillBatch(p, links, { photoVariations: 2, textVariations: 2 });
    await p.getByLabel('Apply to all links').uncheck();
    await p.locator('#photo-1').waitFor();
    const scrollWidth = () =>
      p.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth);
    expect(await scrollWidth()).toBeLessThanOrEqual(375);
    await screenshot(p, 'mobile');
    await p.getByLabel('Apply to all links').check();

    const id = await startAndGetId(p);
    await waitForBadge(p, 'completed');
    await p.getByTestId('variation').nth(19).waitFor();
    expect(await scrollWidth()).toBeLessThanOrEqual(375);
    // Every slide on the page is its small WebP; the full JPEG is one click away.
    const imgs = p.locator('[data-testid="variation"] img');
    const srcs = await imgs.evaluateAll((els) => els.map((e) => (e as unknown as { src: string }).src));
    expect(srcs).toHaveLength(20 * 3);
    for (const src of srcs) expect(src).toMatch(new RegExp(`/api/batch/${id}/thumbs/[0-9a-f-]{36}/0[1-3]\\.webp$`));
    expect(await imgs.first().evaluate((e) => (e.parentNode as unknown as { href: string }).href)).toMatch(/\.jpg$/);
    // What the first screen loads in images stays small (thumbnails, lazy below the fold).
    const bytes = await p.evaluate(() =>
      (
        globalThis as unknown as {
          performance: {
            getEntriesByType(t: string): { name: string; transferSize: number; encodedBodySize: number }[];
          };
        }
      ).performance
        .getEntriesByType('resource')
        .filter((r) => /\/thumbs\/|\/files\//.test(r.name))
        .reduce((n, r) => n + (r.encodedBodySize || r.transferSize), 0),
    );
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    const thumb = await p.request.get(srcs[0]);
    expect(thumb.headers()['content-type']).toContain('image/webp');
    expect((await thumb.body()).length).toBeLessThan(40 * 1024);
    await screenshot(p, 'mobile-results');
    expect(errorsOf(p)).toEqual([]);
    await p.close();
  });

  describe('with a slow rate limit', () => {
    let slow: UiServer;
    beforeAll(async () => {
      slow = await startUiServer({ TIKTOK_BASE_URL: fake.baseUrl, VARIATION_RATE_LIMIT: '1/s' });
    });
    afterAll(async () => {
      await slow?.close();
    });

    it('shows live progress and cancel ends the batch as cancelled; resume finishes it', async () => {
      const { page: p, errors } = await openPage(browser, slow.baseUrl);
      const links = postIds(3).map((id) => fake.addPost({ id, slides: 3 }));
      await fillBatch(p, links, { photoVariations: 2, textVariations: 2 });
      await startAndGetId(p);
      await p.getByLabel('Batch progress').waitFor();
      // Wait for a finished variation so the screenshot shows a moving bar and activity.
      await p
        .getByTestId('counts')
        .locator('dd')
        .first()
        .filter({ hasText: /^[1-9]/ })
        .waitFor({ timeout: FINAL_WAIT });
      expect(await p.getByTestId('activity').locator('li').count()).toBeGreaterThan(0);
      expect(await p.getByTestId('eta').textContent()).toMatch(/Time left/);
      await screenshot(p, 'progress');

      await p.getByRole('button', { name: 'Cancel batch' }).click();
      await p.getByRole('button', { name: 'Yes, cancel' }).click();
      await waitForBadge(p, 'cancelled');
      const summary = (await p.getByTestId('summary').textContent()) ?? '';
      expect(summary).toMatch(/cancelled/);
      expect(summary).not.toContain('12 of 12');

      // Resume: the cancelled work runs, what was made stays, and the batch ends completed.
      await p.getByTestId('resume').click();
      await waitForBadge(p, 'completed');
      await p.getByTestId('summary').filter({ hasText: '12 of 12 variations completed' }).waitFor();
      expect(errors).toEqual([]);
      await p.close();
      // 24 s alone; the UI server reads every fake slide's text in its child, which a loaded machine slows.
    }, 300_000);
  });

  describe('with ADMIN_PASSWORD set', () => {
    let locked: UiServer;
    beforeAll(async () => {
      locked = await startUiServer({ TIKTOK_BASE_URL: fake.baseUrl, ADMIN_PASSWORD: 'correct horse battery' });
    });
    afterAll(async () => {
      await locked?.close();
    });

    it('asks for the password first, says when it is wrong, and opens the app when it is right', async () => {
      const { page: p, errors } = await openPage(browser, locked.baseUrl);
      await p.goto('/#/history');
      await p.getByRole('heading', { name: 'Sign in' }).waitFor();
      await p.getByLabel('Admin password').fill('wrong');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
      await p.getByLabel('Admin password').fill('correct horse battery');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'History' }).waitFor();
      await p.getByText('No batches yet.').waitFor();
      // The browser reports the refused login itself; nothing else may be logged.
      expect(errors.filter((e) => !/status of 401/.test(e) || !e.includes('/api/auth/login'))).toEqual([]);
      await p.close();
    });
  });

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
