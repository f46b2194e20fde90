/**
 * Hash routes, so a reload (or a shared URL) lands on the same screen without server routes:
 * `#/` new batch, `#/batch/<id>` progress then results, `#/history?page=n`, `#/accounts` (TikTok accounts;
 * the OAuth callback comes back to it with `?connected=<name>` or `?error=<message>`).
 */
export type Route =
  | { name: 'new' }
  | { name: 'batch'; id: string }
  | { name: 'history'; page: number }
  | { name: 'accounts'; connected?: string; error?: string };

function parse(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const batch = /^\/batch\/([0-9a-f-]{36})\/?$/i.exec(path);
  if (batch) return { name: 'batch', id: batch[1] };
  if (/^\/accounts\/?$/.test(path)) {
    const q = new URLSearchParams(query);
    return { name: 'accounts', connected: q.get('connected') ?? undefined, error: q.get('error') ?? undefined };
  }
  if (/^\/history\/?$/.test(path)) {
    const page = Number(new URLSearchParams(query).get('page'));
    return { name: 'history', page: Number.isInteger(page) && page > 0 ? page : 1 };
  }
  return { name: 'new' };
}

class Router {
  route = $state<Route>(parse(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => (this.route = parse(location.hash)));
  }

  go(hash: string): void {
    if (location.hash === hash) this.route = parse(hash);
    else location.hash = hash;
  }
}

export const router = new Router();
export const batchHref = (id: string) => `#/batch/${id}`;
export const accountsHref = '#/accounts';
export const historyHref = (page = 1) => (page > 1 ? `#/history?page=${page}` : '#/history');
