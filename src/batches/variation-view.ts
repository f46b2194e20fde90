import { captionOf, textsOf } from '../generation/variation-manifest';
import { BatchVariation } from '../pipeline/entities/variation.entity';
import { SlideshowPlan } from '../pipeline/plan';
import { VariationDto } from './dto/batch-responses.dto';

/** A variation as the API shows it: its texts and caption as delivered (edited or as planned). */
export function variationView(v: BatchVariation, plan: SlideshowPlan | null): VariationDto {
  return {
    id: v.id,
    photoIndex: v.photoIndex,
    textIndex: v.textIndex,
    status: v.status,
    errorStep: v.errorStep,
    error: v.error,
    outputUrl: v.outputUrl,
    videoError: v.videoError,
    warnings: v.warnings ?? [],
    files: v.files ?? [],
    texts: plan ? textsOf(plan, v) : (v.texts ?? []),
    caption: plan ? captionOf(plan, v) : v.caption,
    edits: v.edits ?? [],
  };
}
