import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { PermanentError, RetryableError, type RefForMmv } from '@fable-jobs/contracts';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export interface ScreenImage {
  ref: RefForMmv;
  key: string;
  mediaType: ImageMediaType;
  base64: string;
}

/** The image format from its first bytes (the stored Content-Type is not trusted). */
export function sniffImage(bytes: Uint8Array): ImageMediaType | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16));
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'image/gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** `url` of a ref is the object key with an optional leading slash. */
export function keyOf(ref: Pick<RefForMmv, 'url'>): string {
  return ref.url.replace(/^\/+/, '');
}

/**
 * Read the screen images from the private bucket (a few at a time) for image blocks. A
 * missing, oversized or non-image object is the caller's mistake (permanent); any other S3
 * failure is retried.
 */
export async function loadScreenImages(
  s3: S3Client,
  bucket: string,
  refs: readonly RefForMmv[],
  opts: { maxBytes: number; signal: AbortSignal; concurrency?: number },
): Promise<ScreenImage[]> {
  const out: ScreenImage[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const i = next++;
      const ref = refs[i] as RefForMmv;
      out[i] = await loadOne(s3, bucket, ref, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, refs.length) }, worker));
  return out;
}

async function loadOne(s3: S3Client, bucket: string, ref: RefForMmv, opts: { maxBytes: number; signal: AbortSignal }): Promise<ScreenImage> {
  const key = keyOf(ref);
  const label = `screen ${String(ref.id)} (${key})`;
  let bytes: Uint8Array;
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: opts.signal });
    if ((res.ContentLength ?? 0) > opts.maxBytes) {
      await res.Body?.transformToByteArray().catch(() => undefined);
      throw new PermanentError(`${label} is larger than ${opts.maxBytes} bytes`, { code: 'LLM_BAD_INPUT' });
    }
    bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (err) {
    if ((err as Error).name === 'PermanentError') throw err;
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      throw new PermanentError(`${label} was not found in the private bucket`, { code: 'LLM_BAD_INPUT' });
    }
    if (opts.signal.aborted) throw err;
    throw new RetryableError(`reading ${label} failed: ${(err as Error).message}`, { code: 'LLM_IMAGE_READ_FAILED', cause: err });
  }
  if (bytes.byteLength > opts.maxBytes) throw new PermanentError(`${label} is larger than ${opts.maxBytes} bytes`, { code: 'LLM_BAD_INPUT' });
  const mediaType = sniffImage(bytes);
  if (!mediaType) throw new PermanentError(`${label} is not a PNG, JPEG, GIF or WebP image`, { code: 'LLM_BAD_INPUT' });
  return { ref, key, mediaType, base64: Buffer.from(bytes).toString('base64') };
}
