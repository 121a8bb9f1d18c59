import type { LlmOperation, UserPayload } from '@fable-jobs/contracts';

/** Annotations in `demo_state` (a JSON string): an array, `{annotations: [...]}`, or an object keyed by id. */
export function countAnnotations(demoState: string | undefined): number {
  if (!demoState) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(demoState);
  } catch {
    return 0;
  }
  if (Array.isArray(parsed)) return parsed.length;
  if (typeof parsed === 'object' && parsed !== null) {
    const annotations = (parsed as { annotations?: unknown }).annotations;
    return Array.isArray(annotations) ? annotations.length : Object.keys(parsed).length;
  }
  return 0;
}

/** AI credits an operation costs (deducted only after a successful run). */
export function creditsFor(op: LlmOperation, payload: UserPayload): number {
  const images = payload.refsForMMV?.length ?? 0;
  switch (op) {
    case 'create_demo_per_usecase':
      return images;
    case 'demo_metadata':
      return Math.ceil(0.2 * images);
    case 'update_demo_content':
      return payload.change_type === 'single-annotation' ? 1 : Math.ceil(countAnnotations(payload.demo_state) / 2);
    case 'create_demo_router':
    case 'theme_suggestion_for_guides':
    case 'post_process_demo':
    case 'root_router_req':
      return 1;
  }
}

/** Credits of a voice-over: half a credit per started 1000 characters, rounded up. */
export function speechCredits(characters: number): number {
  return Math.ceil(Math.ceil(characters / 1000) * 0.5);
}
