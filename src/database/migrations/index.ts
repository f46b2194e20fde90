import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { PostgresUuidDefaults1764000000001 } from './1764000000001-postgres-uuid-defaults';
import { PlansPerSlideStyle1764500000000 } from './1764500000000-plans-per-slide-style';
import { TikTokPublishing1764600000000 } from './1764600000000-tiktok-publishing';
import { RetryableFailures1765100000000 } from './1765100000000-retryable-failures';
import { ProductNames1765100000001 } from './1765100000001-product-names';

/** Listed explicitly (not globbed) so ts-jest, ts-node and the compiled app all find the same set. */
export const migrations = [
  InitialSchema1764000000000,
  PostgresUuidDefaults1764000000001,
  PlansPerSlideStyle1764500000000,
  TikTokPublishing1764600000000,
  RetryableFailures1765100000000,
  ProductNames1765100000001,
];
