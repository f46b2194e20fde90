import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, parseEncryptionKey } from '../config/config.schema';

describe('publishing configuration', () => {
  const key = randomBytes(32);

  it('is off, naming what is missing, until all four variables are set', () => {
    expect(loadConfig({}).publishing).toMatchObject({
      enabled: false,
      missing: ['TIKTOK_CLIENT_KEY', 'TIKTOK_CLIENT_SECRET', 'PUBLIC_BASE_URL', 'TOKEN_ENCRYPTION_KEY'],
    });
    const on = loadConfig({
      TIKTOK_CLIENT_KEY: 'k',
      TIKTOK_CLIENT_SECRET: 's',
      PUBLIC_BASE_URL: 'https://studio.example.com/',
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
    }).publishing;
    expect(on).toMatchObject({
      enabled: true,
      missing: [],
      publicBaseUrl: 'https://studio.example.com',
      redirectUri: 'https://studio.example.com/api/tiktok/callback',
    });
    expect(on.encryptionKey?.equals(key)).toBe(true);
    expect(on.tiktok).toMatchObject({
      initLimit: 6,
      statusLimit: 30,
      windowMs: 60_000,
      maxPending: 5,
      directPost: false,
      apiBaseUrl: 'https://open.tiktokapis.com',
    });
  });

  it('takes the key as base64 or hex, 32 bytes, and refuses anything else at boot', () => {
    expect(parseEncryptionKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url')).equals(key)).toBe(true);
    for (const bad of ['short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex') + 'zz']) {
      expect(() => loadConfig({ TOKEN_ENCRYPTION_KEY: bad })).toThrow(/TOKEN_ENCRYPTION_KEY: must be 32 random bytes/);
    }
  });

  it('wants https for PUBLIC_BASE_URL except on loopback', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://studio.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://studio.example.com' })).toThrow(
      /PUBLIC_BASE_URL: must be an https/,
    );
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).publishing.publicBaseUrl).toBe(
      'http://127.0.0.1:3000',
    );
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://x.example.com/?a=1' })).toThrow(/no query/);
  });
});
