/** The `ApiResp` error envelope of the frontend routes (same shape as the app's error handler). */
export function failure(err: string, errCode: string | number) {
  return { status: 'Failure' as const, data: { err, errCode } };
}

/** Annotations in a demo_state JSON string; undefined when it is missing or not JSON. */
export function countAnnotationsSafe(demoState: string | undefined): number | undefined {
  if (!demoState) return undefined;
  try {
    const parsed = JSON.parse(demoState) as unknown;
    return typeof parsed === 'object' && parsed !== null ? Object.keys(parsed).length : undefined;
  } catch {
    return undefined;
  }
}
