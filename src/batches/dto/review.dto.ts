import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';
import { planSchema } from '../../pipeline/plan';

/**
 * The plan's OpenAPI schema, derived from the one schema that validates it (pipeline/plan.ts), so the
 * document cannot drift from what PUT …/plan accepts.
 */
export const PLAN_SCHEMA_NAME = 'SlideshowPlan';
export const PLAN_OPENAPI_SCHEMA = {
  ...(z.toJSONSchema(planSchema, { target: 'openapi-3.0' }) as Record<string, unknown>),
  description:
    'The plan as stored: slides in output order; `slides[i].scenes[p-1]` is the scene of slide i in photo ' +
    'variant p, `slides[i].texts[t-1]` its text in text variant t; exactly one slide has role `product`.',
};
/** Where routes point to it; openApiDocument adds it to the document's components under that name. */
export const PLAN_OPENAPI = { $ref: `#/components/schemas/${PLAN_SCHEMA_NAME}` };

export class ApproveResultDto {
  @ApiProperty({ format: 'uuid' }) batchId: string;
  @ApiProperty({ type: [String], description: 'Links approved by this call (their variations are being made).' })
  approved: string[];
}
