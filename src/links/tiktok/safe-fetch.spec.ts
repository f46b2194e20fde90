import { PermanentError } from '../../common/errors';
import { loadConfig } from '../../config/config.schema';
import { detectAudio } from './media-check';
import { SafeFetcher, isHostAllowed, isPublicAddress, normalizeHost, pinnedLookup, retryAfterMs } from './safe-fetch';

const DEFAULTS = loadConfig({ DATA_DIR: '/tmp/unused' }).source.allowedHosts;

describe('isHostAllowed', () => {
  it.each([
    ['www.tiktok.com', true],
    ['WWW.TikTok.com.', true],
    ['vm.tiktok.com', true],
    ['p16-sign-va.tiktokcdn.com', true],
    ['sf16-ies-music-va.tiktokcdn-us.com', true],
    ['tiktokcdn.com', false], // *.suffix needs a sub-domain
    ['eviltiktokcdn.com', false],
    ['tiktokcdn.com.evil.net', false],
    ['www.tiktok.com.evil.net', false],
    ['evil.com', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
  ])('%s → %s with the default TikTok hosts', (host, ok) => {
    expect(isHostAllowed(host, DEFAULTS)).toBe(ok);
  });

  it('adds the hosts of configured base URLs', () => {
    const cfg = loadConfig({
      DATA_DIR: '/tmp/unused',
      TIKTOK_BASE_URL: 'http://127.0.0.1:4555',
      TIKWM_BASE_URL: 'https://tikwm.example',
    });
    expect(isHostAllowed('127.0.0.1', cfg.source.allowedHosts)).toBe(true);
    expect(isHostAllowed('tikwm.example', cfg.source.allowedHosts)).toBe(true);
    expect(isHostAllowed('127.0.0.2', cfg.source.allowedHosts)).toBe(false);
  });

  it('normalizes brackets and trailing dots', () => {
    expect(normalizeHost('[::1]')).toBe('::1');
    expect(normalizeHost('A.B.')).toBe('a.b');
  });
});

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '151.101.1.140', '2606:4700::6810:84e5'])('%s is public', (a) =>
    expect(isPublicAddress(a)).toBe(true),
  );
  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '127.0.0.1',
    '127.8.9.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12::9',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    'not-an-ip',
  ])('%s is refused', (a) => expect(isPublicAddress(a)).toBe(false));
});

describe('SafeFetcher.checkTarget (no request is made)', () => {
  const cfg = loadConfig({
    DATA_DIR: '/tmp/unused',
    TIKTOK_BASE_URL: 'http://127.0.0.1:4555',
    SOURCE_ALLOWED_HOSTS: 'www.tiktok.com,10.1.2.3,localhost',
  });
  const fetcher = new SafeFetcher(cfg.source);
  afterAll(() => fetcher.close());
  const code = async (url: string) =>
    fetcher.checkTarget(new URL(url)).then(
      () => 'ok',
      (e: PermanentError) => e.code,
    );

  it('lets the configured base origin through over http, even on loopback', async () => {
    expect(await code('http://127.0.0.1:4555/@a/photo/1')).toBe('ok');
  });
  it('refuses another port of the configured loopback host', async () => {
    expect(await code('http://127.0.0.1:6379/')).toBe('host_not_allowed');
    expect(await code('https://127.0.0.1:6379/')).toBe('address_not_allowed');
  });
  it('refuses plain http to TikTok, other schemes and credentials', async () => {
    expect(await code('http://www.tiktok.com/')).toBe('host_not_allowed');
    expect(await code('ftp://www.tiktok.com/')).toBe('host_not_allowed');
    expect(await code('https://user:pw@www.tiktok.com/')).toBe('host_not_allowed');
  });
  it('refuses an allowed name that is a private address or resolves to loopback', async () => {
    expect(await code('https://10.1.2.3/')).toBe('address_not_allowed');
    expect(await code('https://localhost/')).toBe('address_not_allowed');
  });
  it('refuses hosts outside the list', async () => {
    expect(await code('https://169.254.169.254/latest/meta-data/')).toBe('host_not_allowed');
    expect(await code('https://example.com/')).toBe('host_not_allowed');
  });
});

describe('pinnedLookup (the check at connect time, against DNS rebinding)', () => {
  const resolve = (trusted: string[], host: string) =>
    new Promise<unknown>((done) =>
      pinnedLookup(new Set(trusted))(host, { all: true }, (err, addresses) => done(err ?? addresses)),
    );

  it('refuses a name that resolves to loopback unless that host is a configured one', async () => {
    const refused = await resolve([], 'localhost');
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).code).toBe('address_not_allowed');
    expect(await resolve(['localhost'], 'localhost')).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]),
    );
  });
});

describe('retryAfterMs and detectAudio', () => {
  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }))).toBe(7000);
    const ms = retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }))!;
    expect(ms).toBeGreaterThan(50_000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
  it('tells MP3 from M4A by the bytes', () => {
    expect(detectAudio(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1')).ext).toBe('mp3');
    expect(detectAudio(Buffer.from([0xff, 0xfb, 0x90, 0x64])).mime).toBe('audio/mpeg');
    expect(detectAudio(Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypM4A \0\0\0\0')])).mime).toBe(
      'audio/mp4',
    );
    expect(() => detectAudio(Buffer.from('<html>'))).toThrow(PermanentError);
  });
});
