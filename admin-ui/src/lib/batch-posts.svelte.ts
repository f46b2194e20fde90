import { api, errorMessage, safe, type TikTokPost } from '../api/client';
import { isPostOpen, plural } from './format';
import { tiktok } from './tiktok.svelte';

const POLL_MS = 2500;

/** A batch's posts to TikTok, refreshed every 2.5 s while any is still on its way, and the send action. */
export class BatchPosts {
  posts = $state<TikTokPost[]>([]);
  busy = $state(false);
  message = $state<string | null>(null);
  error = $state<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private alive = true;

  /** `batchId` is read when needed (a getter, so a component can pass its prop). */
  constructor(private readonly id: () => string) {}

  private get batchId(): string {
    return this.id();
  }

  /** The post of a variation to the current account (each variation goes to an account once). */
  of(variationId: string): TikTokPost | undefined {
    const account = tiktok.current?.id;
    return this.posts.find((p) => p.variationId === variationId && p.accountId === account);
  }

  get counts(): Record<string, number> {
    const account = tiktok.current?.id;
    const out: Record<string, number> = {};
    for (const p of this.posts) if (p.accountId === account) out[p.status] = (out[p.status] ?? 0) + 1;
    return out;
  }

  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    const { data } = await safe(() => api.GET('/api/tiktok/posts', { params: { query: { batchId: this.batchId } } }));
    if (!this.alive) return;
    if (data) this.posts = data;
    if (this.posts.some((p) => isPostOpen(p.status))) this.timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  async send(scope: { linkId?: string; variationIds?: string[]; resendUnknown?: boolean }, what: string): Promise<void> {
    const account = tiktok.current;
    if (!account) return;
    this.busy = true;
    this.error = this.message = null;
    const { data, error, response } = await safe(() => api.POST('/api/tiktok/posts', { body: { accountId: account.id, batchId: this.batchId, ...scope } }));
    this.busy = false;
    if (!data) {
      this.error = `Could not send ${what} to TikTok: ${errorMessage(error, response)}`;
      return;
    }
    this.posts = data.posts;
    const skipped = data.skipped.length ? ` ${plural(data.skipped.length, 'skipped')}: ${[...new Set(data.skipped.map((s) => s.reason))].join('; ')}.` : '';
    this.message = `${data.queued ? `${plural(data.queued, 'slideshow')} queued for ${account.displayName}.` : 'Nothing new to send.'}${skipped}`;
    await this.refresh();
  }

  stop(): void {
    this.alive = false;
    clearTimeout(this.timer);
  }
}
