/**
 * TikTok's error codes (API v2 `error.code`, OAuth `error`, status `fail_reason`) as decisions and as
 * sentences a person can act on. Codes from developers.tiktok.com: "Error Handling" (API v2), "Content
 * Posting API" reference (photo post init, upload), "Get Post Status", "OAuth error handling".
 */

/** How far a failed request got: nothing left this machine, TikTok answered, or nobody knows. */
export type Delivery = 'not_sent' | 'answered' | 'unknown';

export class TikTokError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly delivery: Delivery,
    readonly httpStatus?: number,
    readonly logId?: string,
  ) {
    super(message);
    this.name = 'TikTokError';
  }
}

export const isTikTokError = (e: unknown): e is TikTokError => e instanceof TikTokError;

/** What the publishing queue does with an init or status error. */
export type ErrorAction =
  | { kind: 'refresh' }
  | { kind: 'wait'; reason: 'inbox' | 'rate' }
  | { kind: 'retry' }
  | { kind: 'reconnect'; message: string }
  | { kind: 'fail'; message: string };

export function classify(e: TikTokError, publicBaseUrl?: string): ErrorAction {
  switch (e.code) {
    case 'access_token_invalid':
    case 'access_token_expired':
      return { kind: 'refresh' };
    case 'spam_risk_too_many_pending_share':
      return { kind: 'wait', reason: 'inbox' };
    case 'rate_limit_exceeded':
      return { kind: 'wait', reason: 'rate' };
    case 'internal_error':
      return { kind: 'retry' };
    case 'scope_not_authorized':
    case 'scope_permission_missed':
      return {
        kind: 'reconnect',
        message:
          'this TikTok account did not grant the upload permission (video.upload): connect it again and leave every permission ticked',
      };
    default:
      if (e.code.startsWith('http_5') || e.code === 'network' || e.code === 'bad_answer') return { kind: 'retry' };
      return { kind: 'fail', message: describeCode(e.code, e.message, publicBaseUrl) };
  }
}

/** A sentence for an init refusal or a status `fail_reason`. */
export function describeCode(code: string, detail: string | undefined, publicBaseUrl?: string): string {
  const base = publicBaseUrl ?? 'PUBLIC_BASE_URL';
  const host = publicBaseUrl ? new URL(publicBaseUrl).host : 'the PUBLIC_BASE_URL domain';
  const known: Record<string, string> = {
    url_ownership_unverified:
      `TikTok refused to pull the images because ${host} is not verified for your TikTok app. In the TikTok developer portal open ` +
      `your app → Content Posting API → "Verify domains" (URL properties), verify the domain or the URL prefix ${base}/, then send again`,
    spam_risk_too_many_posts: "TikTok's daily posting cap for this account is reached: try again tomorrow",
    spam_risk_user_banned_from_posting: 'TikTok does not let this account post at the moment',
    spam_risk_text: 'TikTok flagged the caption as spam: edit it and send again',
    spam_risk: 'TikTok flagged this post as risky and gave no more detail',
    reached_active_user_cap:
      'your TikTok app has reached its daily limit of creators who may post through it: try again tomorrow',
    unaudited_client_can_only_post_to_private_accounts:
      'your TikTok app is not audited, so it may post directly only to private accounts: send it as a draft instead',
    privacy_level_option_mismatch:
      'the chosen privacy level is not one this account offers (creator_info): pick another',
    invalid_param: `TikTok refused the request${detail ? `: ${detail}` : ''}`,
    invalid_params: `TikTok refused the request${detail ? `: ${detail}` : ''}`,
    file_format_check_failed: 'TikTok did not accept the image format (JPEG or WebP only)',
    picture_size_check_failed: 'an image is larger than TikTok accepts (at most 1080 px)',
    photo_pull_failed: `TikTok could not download the images from ${base}: the address must be reachable from the internet over https`,
    video_pull_failed: `TikTok could not download the media from ${base}: the address must be reachable from the internet over https`,
    auth_removed: "the account withdrew this app's access in TikTok: connect it again",
    publish_cancelled: 'the draft was cancelled or discarded in TikTok',
    internal: 'TikTok had an internal error while processing it: send it again',
  };
  return known[code] ?? `TikTok answered ${code}${detail ? `: ${detail}` : ''}`;
}

/** Removes every secret from a text before it is logged or stored (TikTok's messages may echo the request). */
export function scrub(text: string, secrets: (string | undefined | null)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}
