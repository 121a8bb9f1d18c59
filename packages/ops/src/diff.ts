export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Differences between two JSON values, one entry per changed leaf (JSON-pointer-like paths). */
export function jsonDiff(before: unknown, after: unknown, path = ''): Change[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = `${path}/${k}`;
      if (!(k in after)) return [{ path: p, kind: 'removed' as const, before: before[k] }];
      if (!(k in before)) return [{ path: p, kind: 'added' as const, after: after[k] }];
      return jsonDiff(before[k], after[k], p);
    });
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || '/', kind: 'changed', before, after }];
}
