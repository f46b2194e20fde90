import { api, errorMessage, safe, type PublishingStatus, type TikTokAccount } from '../api/client';

const PICKED = 'studio.tiktokAccount';

/** Sending to TikTok: whether it is set up, the connected accounts, and the one picked for sending (remembered). */
class TikTokAccounts {
  status = $state<PublishingStatus | null>(null);
  accounts = $state<TikTokAccount[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);
  picked = $state<string | null>(localStorage.getItem(PICKED));

  /** The picked account if it is still connected, else the first usable one. */
  get current(): TikTokAccount | undefined {
    const usable = this.accounts.filter((a) => a.status === 'active');
    return usable.find((a) => a.id === this.picked) ?? usable[0];
  }

  pick(id: string): void {
    this.picked = id;
    localStorage.setItem(PICKED, id);
  }

  async load(): Promise<void> {
    const [s, a] = await Promise.all([safe(() => api.GET('/api/tiktok/status')), safe(() => api.GET('/api/tiktok/accounts'))]);
    if (s.data) this.status = s.data;
    if (a.data) this.accounts = a.data;
    this.error = s.data && a.data ? null : `Could not load the TikTok accounts: ${errorMessage(s.error ?? a.error, s.response ?? a.response)}`;
    this.loaded = true;
  }

  /** Starts Login Kit: TikTok's authorize page in this tab (a cookie ties the attempt to this browser). */
  async connect(): Promise<string | null> {
    const { data, error, response } = await safe(() => api.POST('/api/tiktok/accounts/connect'));
    if (!data) return errorMessage(error, response);
    location.assign(data.authorizeUrl);
    return null;
  }

  async disconnect(id: string): Promise<string> {
    const { data, error, response } = await safe(() => api.DELETE('/api/tiktok/accounts/{id}', { params: { path: { id } } }));
    await this.load();
    return data ? data.message : `Could not disconnect: ${errorMessage(error, response)}`;
  }
}

export const tiktok = new TikTokAccounts();
