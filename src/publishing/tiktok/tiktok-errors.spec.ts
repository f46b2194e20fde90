import { classify, describeCode, scrub, TikTokError } from './tiktok-errors';

const err = (code: string) => new TikTokError(code, code, 'answered', 403);

describe('TikTok error decisions', () => {
  it('waits on a full inbox and on the rate limit, refreshes on an invalid token, retries 5xx', () => {
    expect(classify(err('spam_risk_too_many_pending_share'))).toEqual({ kind: 'wait', reason: 'inbox' });
    expect(classify(err('rate_limit_exceeded'))).toEqual({ kind: 'wait', reason: 'rate' });
    expect(classify(err('access_token_invalid'))).toEqual({ kind: 'refresh' });
    expect(classify(err('internal_error'))).toEqual({ kind: 'retry' });
    expect(classify(err('http_503'))).toEqual({ kind: 'retry' });
    expect(classify(err('scope_not_authorized')).kind).toBe('reconnect');
  });

  it('fails the rest with a sentence a person can act on', () => {
    const unverified = classify(err('url_ownership_unverified'), 'https://studio.example.com');
    expect(unverified.kind).toBe('fail');
    expect((unverified as { message: string }).message).toContain('studio.example.com is not verified');
    expect((unverified as { message: string }).message).toContain('https://studio.example.com/');
    expect(describeCode('spam_risk_too_many_posts', undefined)).toMatch(/daily posting cap/);
    expect(describeCode('picture_size_check_failed', undefined)).toMatch(/1080/);
    expect(describeCode('something_new', 'details')).toBe('TikTok answered something_new: details');
  });

  it('scrubs secrets out of any text', () => {
    expect(scrub('bad token act.abcdefgh123 for act.abcdefgh123', ['act.abcdefgh123', undefined, 'short'])).toBe(
      'bad token [redacted] for [redacted]',
    );
  });
});
