import { z } from 'zod';
import { PlanCheck, planSchema, validatePlan } from './plan';

/**
 * A plan a person edited (review before paying): checked by the same rules as a model's plan, with the
 * messages written for that person: the field in bracket form and what is wrong with it, e.g.
 * `slides[3].texts[0]: at most 500 characters`.
 */
export function checkEditedPlan(candidate: unknown, expect: { p: number; t: number; sourceSlides: number }): PlanCheck {
  const parsed = planSchema.safeParse(candidate, { error: plainMessage });
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${fieldName(i.path)}: ${i.message}`) };
  }
  const checked = validatePlan(parsed.data, expect);
  return checked.ok ? checked : { ...checked, errors: checked.errors.map(bracketPath) };
}

/** `slides.3.texts.0` → `slides[3].texts[0]`; `plan` for the whole body. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || 'plan';
}

/** validatePlan's `slides.2.texts: …` in bracket form. */
function bracketPath(error: string): string {
  const colon = error.indexOf(':');
  if (colon < 0) return error;
  return error.slice(0, colon).replace(/\.(\d+)/g, '[$1]') + error.slice(colon);
}

function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const i = issue as z.core.$ZodRawIssue & {
    origin?: string;
    maximum?: number | bigint;
    minimum?: number | bigint;
    expected?: string;
    values?: unknown[];
  };
  const unit = (n: unknown) =>
    i.origin === 'string'
      ? ` character${Number(n) === 1 ? '' : 's'}`
      : i.origin === 'array'
        ? ` item${Number(n) === 1 ? '' : 's'}`
        : '';
  switch (i.code) {
    case 'too_big':
      return `at most ${i.maximum}${unit(i.maximum)}`;
    case 'too_small':
      if (i.origin === 'string' && Number(i.minimum) === 1) return 'must not be empty';
      return `at least ${i.minimum}${unit(i.minimum)}`;
    case 'invalid_type':
      return i.input === undefined ? `required (${i.expected})` : `must be ${i.expected}`;
    case 'invalid_value':
      return `must be one of ${(i.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}
