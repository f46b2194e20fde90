import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The one way the UI talks to the API: openapi-fetch typed by the schema generated from the app's
 * OpenAPI document (`npm run gen:api`). Same origin, so the session cookie goes along.
 */

export type Schemas = components['schemas'];
export type BatchStatus = Schemas['BatchStatusDto'];
export type BatchDetail = Schemas['BatchDetailDto'];
export type BatchSummary = Schemas['BatchSummaryDto'];
export type ValidateResult = Schemas['ValidateResultDto'];
export type LinkPreview = Schemas['LinkPreviewDto'];
export type SlideSourceText = Schemas['SlideSourceTextDto'];
export type Estimate = Schemas['EstimateDto'];
export type PublishingStatus = Schemas['PublishingStatusDto'];
export type TikTokAccount = Schemas['TikTokAccountDto'];
export type TikTokPost = Schemas['TikTokPostDto'];
export type SendResult = Schemas['SendResultDto'];
export type SlideshowPlan = Schemas['SlideshowPlan'];

export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });

/** Called when any API call answers 401, so the app can show its login screen. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}
const authWatch: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) onUnauthorized();
    return undefined;
  },
};
api.use(authWatch);

/** For multipart bodies: openapi-fetch sends a FormData as is (the browser sets the boundary). */
export function formData(fields: Record<string, string | Blob | undefined>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) fd.append(k, v);
  return fd;
}
export const asFormData = (body: unknown): FormData => body as FormData;

/** A readable line from any API error body (Nest's {message}, validation arrays, preview's {reason}). */
export function errorMessage(error: unknown, response?: Response): string {
  const e = error as { message?: unknown; reason?: unknown } | string | undefined | null;
  if (typeof e === 'string' && e) return e;
  if (e && typeof e === 'object') {
    if (typeof e.reason === 'string') return e.reason;
    if (Array.isArray(e.message)) return e.message.join('; ');
    if (typeof e.message === 'string') return e.message;
  }
  if (response) return `The server answered ${response.status} ${response.statusText}`.trim();
  return 'Something went wrong; try again.';
}

/** Network failures (server down) reject instead of returning {error}: turn them into one. */
export async function safe<T>(call: () => Promise<T>): Promise<T | { error: { message: string }; data?: undefined; response?: undefined }> {
  try {
    return await call();
  } catch (e) {
    return { error: { message: `Cannot reach the server (${(e as Error).message}).` } };
  }
}
