import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { FakeTikTok } from '../fakes/fake-tiktok';
import { FakeTikTokApi } from '../fakes/fake-tiktok-api';
import { freePort } from '../helpers/processes';
import { launchBrowser, openPage, screenshot, type PageGlobals } from './browser';
import { ensureUiBuilt, startUiServer, UiServer } from './ui-server';

/**
 * Sending to TikTok in Chromium against the real server and the loopback TikTok: connect an account
 * through (fake) TikTok's own authorize page, send a link's variations from the results page, and watch
 * each variation's state, including the wait on a full inbox (TIKTOK_MAX_PENDING=2 here), at 1280 and 375 px.
 */
describe('TikTok in the admin UI', () => {
  let source: FakeTikTok;
  let fake: FakeTikTokApi;
  let server: UiServer;
  let browser: Browser;
  let batchId: string;

  beforeAll(async () => {
    ensureUiBuilt();
    source = await FakeTikTok.start();
    fake = await FakeTikTokApi.start({ windowMs: 2000, maxPending: 2 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    fake.opts.verifiedPrefixes = [`${base}/api/tiktok/media/`];
    fake.redirectUri = `${base}/api/tiktok/callback`;
    server = await startUiServer(
      {
        ...fake.appEnv(),
        TIKTOK_BASE_URL: source.baseUrl,
        VARIATION_RATE_LIMIT: '100/s',
        PUBLIC_BASE_URL: base,
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        TIKTOK_POLL_INTERVAL_MS: '100',
        TIKTOK_WAIT_RETRY_MS: '300',
      },
      port,
    );
    browser = await launchBrowser();
    // A finished batch to send: one link, 2 × 2 variations (through the API; the batch screens have their own spec).
    const photo = await sharp({ create: { width: 500, height: 500, channels: 3, background: '#3a7' } })
      .jpeg()
      .toBuffer();
    const form = new FormData();
    form.set(
      'links',
      source.addPost({ id: '7480000000000000001', slides: 3, desc: 'Glass skin in 3 steps #skincare' }),
    );
    form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'p.jpg');
    form.set('description', 'Glow serum');
    form.set('photoVariations', '2');
    form.set('textVariations', '2');
    const created = await fetch(`${base}/api/batch`, { method: 'POST', body: form });
    batchId = ((await created.json()) as { id: string }).id;
    for (let i = 0; i < 600; i++) {
      const s = (await (await fetch(`${base}/api/batch/${batchId}/status`)).json()) as { status: string };
      if (s.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
    await source?.close();
  });

  const noOverflow = (p: Page) =>
    p.evaluate(
      () =>
        (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth -
        (globalThis as unknown as PageGlobals).innerWidth,
    );

  it('connects an account on TikTok’s page, sends a link from the results and shows each variation’s state', async () => {
    const { page: p, errors } = await openPage(browser, server.baseUrl);
    await p.goto('/#/accounts');
    await p.getByRole('heading', { name: 'TikTok accounts' }).waitFor();
    expect(await p.getByTestId('redirect-uri').textContent()).toBe(`${server.baseUrl}/api/tiktok/callback`);
    await p.getByRole('button', { name: 'Connect a TikTok account' }).click();
    // TikTok's own page (the fake's): the person sees who is logged in and what is asked, and allows it.
    await p.waitForURL(/\/v2\/auth\/authorize\//);
    expect(await p.getByTestId('tiktok-user').textContent()).toBe('Alice Glow');
    await p.getByRole('button', { name: 'Authorize' }).click();
    await p.waitForURL(/#\/accounts\?connected=/);
    await p.getByTestId('connected').filter({ hasText: 'Connected Alice Glow.' }).waitFor();
    const row = p.getByTestId('tiktok-account');
    await row.waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/Alice Glow\s*Connected\s*0 drafts pending of 2/);
    await screenshot(p, 'tiktok-accounts');

    await p.goto(`/#/batch/${batchId}`);
    const card = p.getByTestId('tiktok-send');
    await card.getByLabel('TikTok account').waitFor();
    expect(await card.getByLabel('TikTok account').locator('option:checked').textContent()).toBe('Alice Glow');
    await p.getByRole('button', { name: 'Send link to TikTok' }).click();
    await card.getByTestId('tiktok-message').filter({ hasText: '4 slideshows queued for Alice Glow.' }).waitFor();
    // Two drafts fill this inbox (TIKTOK_MAX_PENDING=2): the others wait, and say why.
    await p.locator('[data-testid="tiktok-post"][data-status="in_inbox"]').nth(1).waitFor();
    const waiting = p.locator('[data-testid="tiktok-post"][data-status="waiting"]');
    await waiting.first().waitFor();
    expect(await waiting.first().getByTestId('tiktok-reason').textContent()).toMatch(
      /^waiting: 2 drafts pending in the inbox \(TikTok allows 2\); post or discard them in the TikTok app/,
    );
    expect(await card.getByTestId('tiktok-counts').textContent()).toMatch(/In inbox: 2/);
    await screenshot(p, 'tiktok-sending');

    // The creator posts the two drafts in the TikTok app: the waiting ones go out.
    fake.userPostsDrafts();
    await p.locator('[data-testid="tiktok-post"][data-status="posted"]').nth(1).waitFor({ timeout: 20_000 });
    await p.locator('[data-testid="tiktok-post"][data-status="in_inbox"]').nth(1).waitFor({ timeout: 20_000 });
    expect(await p.locator('[data-testid="tiktok-state"]').allTextContents()).toEqual(
      expect.arrayContaining(['TikTok: Posted', 'TikTok: In inbox']),
    );
    expect(await p.getByRole('button', { name: 'Send to TikTok' }).count()).toBe(0);
    expect(fake.violations).toEqual({ initRate: 0, statusRate: 0, pending: 0 });
    await screenshot(p, 'tiktok-results');
    expect(errors).toEqual([]);
    await p.close();
  });

  it('is usable 375 px wide: accounts, and the results with their TikTok states', async () => {
    const { page: p, errors } = await openPage(browser, server.baseUrl, { width: 375, height: 812 });
    await p.goto('/#/accounts');
    await p.getByTestId('tiktok-account').waitFor();
    expect(await noOverflow(p)).toBeLessThanOrEqual(0);
    await p.goto(`/#/batch/${batchId}`);
    await p.getByTestId('tiktok-post').nth(3).waitFor();
    expect(await noOverflow(p)).toBeLessThanOrEqual(0);
    await screenshot(p, 'tiktok-mobile');
    // Disconnecting from the phone: the account goes, the results say how to connect one.
    await p.goto('/#/accounts');
    await p.getByRole('button', { name: 'Disconnect' }).click();
    await p.getByRole('button', { name: 'Disconnect' }).last().click();
    await p.getByRole('status').filter({ hasText: 'Disconnected; TikTok revoked' }).waitFor();
    expect(await p.getByTestId('tiktok-account').count()).toBe(0);
    await p.goto(`/#/batch/${batchId}`);
    await p.getByTestId('tiktok-send').getByText('No TikTok account is connected.').waitFor();
    expect(errors).toEqual([]);
    await p.close();
  });
});
