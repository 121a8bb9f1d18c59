import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ServiceError } from '../errors.ts';

/** The parts of a demo index the voice-over reads: annotations by screen. */
export interface DemoIndex {
  entities?: Record<string, { annotations?: Array<{ refId?: unknown; displayText?: unknown }> } | undefined>;
}

/**
 * The object key of a demo index: `indexUri` is a key (leading `/` optional) or a URL whose path
 * is the key. Keys that climb (`..`) are refused.
 */
export function indexKey(indexUri: string): string {
  let path = indexUri.trim();
  if (/^https?:\/\//i.test(path)) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      throw new ServiceError('TTS_BAD_INPUT', 400, 'indexUri is not a valid URL');
    }
  }
  const key = path.replace(/^\/+/, '');
  if (!key || key.split('/').some((seg) => seg === '..' || seg === '.')) throw new ServiceError('TTS_BAD_INPUT', 400, 'indexUri is not a valid object key');
  return key;
}

/**
 * Demo indexes read from the asset bucket, reused for `ttlMs` (a burst of voice-overs of one
 * demo reads it once; concurrent misses share one read).
 */
export class DemoIndexCache {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { at: number; value: Promise<DemoIndex> }>();
  readonly #max: number;

  constructor(s3: S3Client, bucket: string, opts: { ttlMs: number; max?: number }) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#ttlMs = opts.ttlMs;
    this.#max = opts.max ?? 200;
  }

  get(key: string): Promise<DemoIndex> {
    const hit = this.#entries.get(key);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.value;
    const value = this.#read(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { at: Date.now(), value });
    // A failed read is not cached.
    value.catch(() => this.#entries.get(key)?.value === value && this.#entries.delete(key));
    return value;
  }

  async #read(key: string): Promise<DemoIndex> {
    let text: string;
    try {
      const res = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      text = (await res.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((err as Error).name === 'NoSuchKey' || status === 404) throw new ServiceError('TTS_BAD_INPUT', 400, 'the demo index (indexUri) does not exist');
      throw new ServiceError('TTS_STORE_FAILED', 502, 'the demo index could not be read', { cause: err });
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      return parsed as DemoIndex;
    } catch {
      throw new ServiceError('TTS_BAD_INPUT', 400, 'the demo index is not valid JSON');
    }
  }
}

/** The display text of annotation `<screenId>/<refId>`; a clear 400 when it does not exist. */
export function annotationText(index: DemoIndex, entityUri: string): string {
  const slash = entityUri.indexOf('/');
  const screenId = entityUri.slice(0, slash);
  const refId = entityUri.slice(slash + 1);
  const entity = index.entities && Object.hasOwn(index.entities, screenId) ? index.entities[screenId] : undefined;
  if (!entity) throw new ServiceError('TTS_BAD_INPUT', 400, `screen ${screenId} is not in the demo index`);
  const ann = (entity.annotations ?? []).find((a) => String(a.refId) === refId);
  if (!ann) throw new ServiceError('TTS_BAD_INPUT', 400, `annotation ${refId} is not on screen ${screenId}`);
  if (typeof ann.displayText !== 'string') throw new ServiceError('TTS_BAD_INPUT', 400, `annotation ${entityUri} has no display text`);
  return ann.displayText;
}
