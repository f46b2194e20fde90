import { ApiProperty } from '@nestjs/swagger';
import { z } from 'zod';
import { planSchema } from '../../pipeline/plan';

/**
 * The plan's OpenAPI schema, derived from the one schema that validates it (pipeline/plan.ts), so the
 * document cannot drift from what PUT …/plan accepts.
 */
export const PLAN_OPENAPI = {
  ...(z.toJSONSchema(planSchema, { target: 'openapi-3.0' }) as Record<string, unknown>),
  description:
    'The plan as stored: slides in output order; `slides[i].scenes[p-1]` is the scene of slide i in photo ' +
    'variant p, `slides[i].texts[t-1]` its text in text variant t; exactly one slide has role `product`.',
};

export class ApproveResultDto {
  @ApiProperty({ format: 'uuid' }) batchId: string;
  @ApiProperty({ type: [String], description: 'Links approved by this call (their variations are being made).' })
  approved: string[];
}
