import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { PostgresUuidDefaults1764000000001 } from './1764000000001-postgres-uuid-defaults';
import { PlansPerSlideStyle1764500000000 } from './1764500000000-plans-per-slide-style';
import { TikTokPublishing1764600000000 } from './1764600000000-tiktok-publishing';
import { RetryableFailures1765100000000 } from './1765100000000-retryable-failures';
import { ProductNames1765100000001 } from './1765100000001-product-names';
import { PlanReview1765200000000 } from './1765200000000-plan-review';
import { VariationEdits1765250000000 } from './1765250000000-variation-edits';
import { VariationWarnings1765350000000 } from './1765350000000-variation-warnings';
import { BatchSpeed1765400000000 } from './1765400000000-batch-speed';

/** Listed explicitly (not globbed) so ts-jest, ts-node and the compiled app all find the same set. */
export const migrations = [
  InitialSchema1764000000000,
  PostgresUuidDefaults1764000000001,
  PlansPerSlideStyle1764500000000,
  TikTokPublishing1764600000000,
  RetryableFailures1765100000000,
  ProductNames1765100000001,
  PlanReview1765200000000,
  VariationEdits1765250000000,
  VariationWarnings1765350000000,
  BatchSpeed1765400000000,
];
