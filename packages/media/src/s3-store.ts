import { createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PermanentError, RetryableError } from '@fable-jobs/contracts';

const MiB = 1024 * 1024;

export interface S3StoreOptions {
  /** An S3 client for a region (undefined: the configured default). */
  client: (region: string | undefined) => S3Client;
  /** Files above this size go up as multipart uploads (each part retried on its own). */
  multipartThresholdBytes?: number;
  /** Smallest part (S3 requires >= 5 MiB except the last). */
  partSizeBytes?: number;
}

type Op = 'download' | 'upload' | 'list' | 'delete';

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** S3 SDK error → the domain error a human can act on; transient failures are retryable. */
export function s3Error(err: unknown, op: Op, what: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const name = (err as Error)?.name ?? '';
  const status = statusOf(err);
  const message = (err as Error)?.message ?? String(err);
  if (name === 'NoSuchBucket' || (op !== 'download' && status === 404)) {
    const code = op === 'download' ? 'MEDIA_SOURCE_NOT_FOUND' : 'MEDIA_DESTINATION_NOT_FOUND';
    return new PermanentError(`${what}: the bucket does not exist (S3 ${name || status})`, { code, cause: err });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new PermanentError(`${what} does not exist in S3; upload it again, then send a new message`, { code: 'MEDIA_SOURCE_NOT_FOUND', cause: err });
  }
  if (name === 'AccessDenied' || status === 403) {
    return new PermanentError(`S3 denied ${op} of ${what} (${name || status}); grant the worker's role access, then replay the job`, { code: 'MEDIA_ACCESS_DENIED', cause: err });
  }
  return new RetryableError(`S3 ${op} of ${what} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`, { code: 'MEDIA_S3_UNAVAILABLE', cause: err });
}

/** Counts bytes through a stream and fails once it passes `max`. */
function byteCap(max: number, onBytes: (n: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      if (total > max) return cb(new PermanentError(`the source is larger than MEDIA_MAX_SOURCE_BYTES (${max} bytes)`, { code: 'MEDIA_SOURCE_TOO_LARGE' }));
      onBytes(total);
      cb(null, chunk);
    },
  });
}

/** S3 reads and writes of the media pool, with its error mapping. */
export class S3Store {
  readonly #client: (region: string | undefined) => S3Client;
  readonly #threshold: number;
  readonly #partSize: number;

  constructor(opts: S3StoreOptions) {
    this.#client = opts.client;
    // The AWS CLI's defaults; parts also stay under request-size limits of S3 emulators (fauxqs: 11 MiB).
    this.#threshold = opts.multipartThresholdBytes ?? 8 * MiB;
    this.#partSize = Math.max(5 * MiB, opts.partSizeBytes ?? 8 * MiB);
  }

  /** Stream an object to `file` (never held in memory); returns its size. */
  async download(
    src: { bucket: string; key: string; region: string | undefined },
    file: string,
    opts: { maxBytes: number; signal: AbortSignal; onBytes?: (done: number, total: number | undefined) => void },
  ): Promise<number> {
    const what = `s3://${src.bucket}/${src.key}`;
    let body: Readable;
    let length: number | undefined;
    try {
      const out = await this.#client(src.region).send(new GetObjectCommand({ Bucket: src.bucket, Key: src.key }), { abortSignal: opts.signal });
      body = out.Body as Readable;
      length = out.ContentLength;
    } catch (err) {
      throw s3Error(err, 'download', what, opts.signal);
    }
    if (length !== undefined && length > opts.maxBytes) {
      body.destroy();
      throw new PermanentError(`${what} is ${length} bytes; MEDIA_MAX_SOURCE_BYTES allows ${opts.maxBytes}`, { code: 'MEDIA_SOURCE_TOO_LARGE' });
    }
    let received = 0;
    try {
      await pipeline(
        body,
        byteCap(opts.maxBytes, (n) => {
          received = n;
          opts.onBytes?.(n, length);
        }),
        createWriteStream(file),
        { signal: opts.signal },
      );
    } catch (err) {
      if ((err as Error)?.name === 'PermanentError') throw err;
      throw s3Error(err, 'download', what, opts.signal);
    }
    if (length !== undefined && received !== length) {
      throw new RetryableError(`download of ${what} ended after ${received} of ${length} bytes`, { code: 'MEDIA_S3_UNAVAILABLE' });
    }
    return received;
  }

  /** Upload a local file (multipart above the threshold); overwrites, so re-runs do not duplicate. */
  async upload(file: string, dest: { bucket: string; key: string; region: string | undefined }, opts: { contentType: string; signal: AbortSignal }): Promise<void> {
    const what = `s3://${dest.bucket}/${dest.key}`;
    const { size } = await stat(file);
    const client = this.#client(dest.region);
    if (size <= this.#threshold) {
      const handle = await open(file, 'r');
      // A buffer (not a stream) so the SDK can retry the request; at most the multipart threshold.
      let body: Buffer;
      try {
        body = await handle.readFile();
      } finally {
        await handle.close();
      }
      try {
        await client.send(new PutObjectCommand({ Bucket: dest.bucket, Key: dest.key, Body: body, ContentType: opts.contentType, ContentLength: size }), { abortSignal: opts.signal });
      } catch (err) {
        throw s3Error(err, 'upload', what, opts.signal);
      }
      return;
    }
    const partSize = Math.max(this.#partSize, Math.ceil(size / 10_000));
    let uploadId: string | undefined;
    const handle = await open(file, 'r');
    try {
      uploadId = (await client.send(new CreateMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, ContentType: opts.contentType }), { abortSignal: opts.signal })).UploadId;
      if (!uploadId) throw new RetryableError(`S3 returned no UploadId for ${what}`, { code: 'MEDIA_S3_UNAVAILABLE' });
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let offset = 0, n = 1; offset < size; offset += partSize, n++) {
        const buf = Buffer.alloc(Math.min(partSize, size - offset));
        await handle.read(buf, 0, buf.length, offset);
        const out = await client.send(new UploadPartCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId, PartNumber: n, Body: buf, ContentLength: buf.length }), { abortSignal: opts.signal });
        parts.push({ ETag: out.ETag ?? '', PartNumber: n });
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), { abortSignal: opts.signal });
    } catch (err) {
      if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: dest.bucket, Key: dest.key, UploadId: uploadId })).catch(() => {});
      if ((err as Error)?.name === 'RetryableError') throw err;
      throw s3Error(err, 'upload', what, opts.signal);
    } finally {
      await handle.close();
    }
  }

  /** Keys under a prefix whose name (after the prefix) passes `match`. */
  async listKeys(dest: { bucket: string; prefix: string; region: string | undefined }, match: (name: string) => boolean, signal: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#client(dest.region).send(
          new ListObjectsV2Command({ Bucket: dest.bucket, Prefix: dest.prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }),
          { abortSignal: signal },
        );
        for (const o of out.Contents ?? []) if (o.Key && match(o.Key.slice(dest.prefix.length))) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Error(err, 'list', `s3://${dest.bucket}/${dest.prefix}`, signal);
    }
    return keys;
  }

  async deleteKeys(dest: { bucket: string; region: string | undefined }, keys: readonly string[], signal: AbortSignal): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      try {
        const out = await this.#client(dest.region).send(new DeleteObjectsCommand({ Bucket: dest.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: signal });
        const failed = out.Errors ?? [];
        if (failed.length > 0) throw new RetryableError(`S3 could not delete ${failed.length} old output(s), e.g. ${failed[0]?.Key}: ${failed[0]?.Code}`, { code: 'MEDIA_S3_UNAVAILABLE' });
      } catch (err) {
        if ((err as Error)?.name === 'RetryableError') throw err;
        throw s3Error(err, 'delete', `old outputs in s3://${dest.bucket}`, signal);
      }
    }
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.mp4': 'video/mp4',
  '.webm': 'audio/webm',
};

export function contentTypeOf(name: string): string {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')).toLowerCase() : '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
