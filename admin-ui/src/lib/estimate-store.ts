import type { Estimate } from '../api/client';

/** The estimate POST /api/batch returned, kept for the progress screen of this tab (survives a reload). */
export function rememberEstimate(batchId: string, estimate: Estimate): void {
  try {
    sessionStorage.setItem(`estimate:${batchId}`, JSON.stringify(estimate));
  } catch {
    // Private mode or full storage: the estimate is a nicety.
  }
}

export function recallEstimate(batchId: string): Estimate | null {
  try {
    const raw = sessionStorage.getItem(`estimate:${batchId}`);
    return raw ? (JSON.parse(raw) as Estimate) : null;
  } catch {
    return null;
  }
}
