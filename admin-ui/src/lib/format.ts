/** Small display helpers shared by the screens. */

export const FINAL_STATUSES = ['completed', 'completed_with_errors', 'failed', 'cancelled'];
export const isFinal = (status: string) => FINAL_STATUSES.includes(status);

const LABELS: Record<string, string> = {
  queued: 'Queued',
  pending: 'Queued',
  processing: 'Processing',
  awaiting_review: 'Awaiting review',
  cancelling: 'Cancelling…',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const statusLabel = (s: string) => LABELS[s] ?? s;

/** 75 → "1 min 15 s", 4000 → "1 h 7 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function dateTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function timeOfDay(value: string | Date): string {
  return new Date(value).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A long TikTok URL shortened for a table cell: "@user/photo/7412…4567". */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/$/, '');
    return (u.hostname.startsWith('www.tiktok') ? path.slice(1) : u.hostname + path).replace(/(\d{4})\d{8,}(\d{4})/, '$1…$2');
  } catch {
    return url;
  }
}

/** A post to TikTok, in words (TikTokPostDto.status). */
const POST_LABELS: Record<string, string> = {
  queued: 'Queued',
  waiting: 'Waiting',
  initiating: 'Sending',
  sending: 'Sending',
  in_inbox: 'In inbox',
  posted: 'Posted',
  failed: 'Failed',
  unknown: 'Unknown: check inbox',
  cancelled: 'Cancelled',
};
export const postLabel = (s: string) => POST_LABELS[s] ?? s;
/** Work remains for a worker (TikTok may still change it). */
export const isPostOpen = (s: string) => ['queued', 'waiting', 'initiating', 'sending'].includes(s);
