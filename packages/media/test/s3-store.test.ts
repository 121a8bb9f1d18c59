import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqs, type SqsFixture } from '@fable-jobs/testing';
import { S3Store } from '../src/s3-store.ts';
import { uid } from './helpers/stack.ts';

const MiB = 1024 * 1024;
let emulator: SqsFixture;
let s3: S3Client;
let bucket: string;
let work: string;

beforeAll(async () => {
  emulator = await startSqs();
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  bucket = `store-${uid()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  work = await mkdtemp(join(tmpdir(), 'fable-media-store-'));
});
afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
  await rm(work, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('S3Store against the S3 emulator', () => {
  it('uploads above the threshold as a multipart upload that reassembles byte for byte', async () => {
    const store = new S3Store({ client: () => s3, multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    const file = join(work, 'big.mp4');
    const bytes = randomBytes(13 * MiB + 123);
    await writeFile(file, bytes);
    await store.upload(file, { bucket, key: 'out/big.mp4', region: undefined }, { contentType: 'video/mp4', signal: new AbortController().signal });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'out/big.mp4' }));
    expect(got.ContentType).toBe('video/mp4');
    // A multipart ETag ends with the part count: 13 MiB in 5 MiB parts = 3.
    expect(got.ETag).toMatch(/-3"$/);
    expect(sha(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha(bytes));
  });

  it('downloads to a file and reports bytes as they arrive', async () => {
    const store = new S3Store({ client: () => s3 });
    const bytes = randomBytes(3 * MiB);
    const src = join(work, 'src.bin');
    await writeFile(src, bytes);
    await store.upload(src, { bucket, key: 'in/src.bin', region: undefined }, { contentType: 'application/octet-stream', signal: new AbortController().signal });
    const seen: number[] = [];
    const n = await store.download({ bucket, key: 'in/src.bin', region: undefined }, join(work, 'dl.bin'), { maxBytes: 10 * MiB, signal: new AbortController().signal, onBytes: (done) => seen.push(done) });
    expect(n).toBe(bytes.length);
    expect(sha(await readFile(join(work, 'dl.bin')))).toBe(sha(bytes));
    expect(seen.at(-1)).toBe(bytes.length);
  });

  it('maps S3 errors: missing bucket on upload is permanent (MEDIA_DESTINATION_NOT_FOUND)', async () => {
    const store = new S3Store({ client: () => s3 });
    const file = join(work, 'small.txt');
    await writeFile(file, 'x');
    const err = await store.upload(file, { bucket: `nope-${uid()}`, key: 'a.txt', region: undefined }, { contentType: 'text/plain', signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_DESTINATION_NOT_FOUND' });
  });

  it('lists only the keys a matcher accepts and deletes them', async () => {
    const store = new S3Store({ client: () => s3 });
    const file = join(work, 'k.txt');
    await writeFile(file, 'k');
    const signal = new AbortController().signal;
    for (const k of ['d/clip.m3u8', 'd/clip00000.ts', 'd/clip-2.m3u8', 'd/sub/clip.m3u8']) await store.upload(file, { bucket, key: k, region: undefined }, { contentType: 'text/plain', signal });
    const keys = await store.listKeys({ bucket, prefix: 'd/', region: undefined }, (name) => /^clip(\d{5})?\.(m3u8|ts)$/.test(name), signal);
    expect(keys.sort()).toEqual(['d/clip.m3u8', 'd/clip00000.ts']);
    await store.deleteKeys({ bucket, region: undefined }, keys, signal);
    expect(await store.listKeys({ bucket, prefix: 'd/', region: undefined }, () => true, signal)).toEqual(['d/clip-2.m3u8']);
  });
});
