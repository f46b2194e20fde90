import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import { InjectConfig } from '../config/config.module';
import { deriveKeys } from './keys';
import { MediaTokens } from './media-tokens';
import { TokenCipher } from './token-cipher';

/** The token cipher and the image URL signer, both keyed from TOKEN_ENCRYPTION_KEY; absent when it is unset. */
@Injectable()
export class PublishingSecrets {
  readonly cipher?: TokenCipher;
  readonly media?: MediaTokens;

  constructor(@InjectConfig() config: AppConfig) {
    const master = config.publishing.encryptionKey;
    if (!master) return;
    const keys = deriveKeys(master);
    this.cipher = new TokenCipher(keys.tokens);
    this.media = new MediaTokens(keys.media);
  }

  requireCipher(): TokenCipher {
    if (!this.cipher) throw new Error('TOKEN_ENCRYPTION_KEY is not set: TikTok tokens cannot be stored or read');
    return this.cipher;
  }
}
