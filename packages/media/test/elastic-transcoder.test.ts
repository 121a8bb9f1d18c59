import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ETS_THROTTLED, startElasticTranscoderFake, startSqs, type ElasticTranscoderFake, type SqsFixture } from '@fable-jobs/testing';
import { CONVERSIONS, engineFromEnv, rejection, runTranscode } from './helpers/engine.ts';
import { startMediaStack, uid } from './helpers/stack.ts';

const PIPELINE = '1111111111111-abcdef';
const SOURCE = 'https://in-bucket.s3.us-east-1.amazonaws.com/uploads/u1/My%20Clip.mov';

let fake: ElasticTranscoderFake;
let emulator: SqsFixture;
let s3: S3Client;
let bucket: string;
let dest: string;

const exists = async (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );

/** Objects under a prefix, sorted. */
const list = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key ?? '').sort();

beforeAll(async () => {
  emulator = await startSqs();
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  bucket = `out-${uid()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  fake = await startElasticTranscoderFake({
    pipelines: [PIPELINE],
    objectExists: exists,
    // What Elastic Transcoder writes for each output (HLS: playlist + 5-digit segments + thumbnails).
    writeOutputs: async ({ prefix, outputs }) => {
      for (const o of outputs) {
        const keys = o.SegmentDuration ? [`${o.Key}.m3u8`, `${o.Key}00000.ts`, `${o.Key}00001.ts`] : [o.Key];
        if (o.ThumbnailPattern) keys.push(`${o.ThumbnailPattern.replace('{count}', '00001')}.png`);
        for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + k, Body: Buffer.from(k) }));
      }
    },
  });
});
afterAll(async () => {
  await fake?.close();
  s3?.destroy();
  await emulator?.stop();
});
beforeEach(() => {
  fake.reset();
  fake.plan = { statuses: ['Progressing', 'Complete'], durationMillis: 6200 };
  dest = `https://${bucket}.s3.us-east-1.amazonaws.com/processed/${uid()}/`;
});

const engine = (env: Record<string, string> = {}) =>
  engineFromEnv({ TRANSCODER: 'elastic-transcoder', AWS_ENDPOINT_URL: emulator.endpoint, ETS_ENDPOINT: fake.url, ETS_REGION: 'us-east-1', TRANSCODER_PIPELINE_ID: PIPELINE, ETS_POLL_INTERVAL_MS: '20', ...env });

const prefixOf = (url: string) => new URL(url).pathname.slice(1);

const EXPECTED_OUTPUT: Record<string, unknown> = {
  'video CONVERT_TO_HLS': { Key: 'My-Clip', PresetId: '1351620000001-200010', SegmentDuration: '4.0', ThumbnailPattern: 'poster-{count}' },
  'video CONVERT_TO_MP4': { Key: 'My-Clip.mp4', PresetId: '1351620000001-100070' },
  'audio CONVERT_TO_HLS': { Key: 'My-Clip', PresetId: '1351620000001-200060', SegmentDuration: '4.0' },
  'audio CONVERT_TO_WEBM': { Key: 'My-Clip.webm', PresetId: '1351620000001-300020' },
};
const MAIN: Record<string, string> = { 'video CONVERT_TO_HLS': 'My-Clip.m3u8', 'video CONVERT_TO_MP4': 'My-Clip.mp4', 'audio CONVERT_TO_HLS': 'My-Clip.m3u8', 'audio CONVERT_TO_WEBM': 'My-Clip.webm' };

describe('Elastic Transcoder adapter against a REST-JSON fake', () => {
  for (const conversion of CONVERSIONS) {
    const label = `${conversion.kind} ${conversion.sub}`;
    it(`${label}: sends exactly the old service's CreateJob, polls ReadJob to Complete`, async () => {
      const { result } = await runTranscode(engine(), { conversion, source: SOURCE, destination: dest });
      const creates = fake.requests.filter((r) => r.method === 'POST');
      expect(creates.map((r) => r.path)).toEqual(['/2012-09-25/jobs']);
      expect(creates[0]?.headers['content-type']).toBe('application/json');
      expect(creates[0]?.body).toEqual({ PipelineId: PIPELINE, Input: { Key: 'uploads/u1/My Clip.mov' }, OutputKeyPrefix: prefixOf(dest), Outputs: [EXPECTED_OUTPUT[label]] });
      expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([`/2012-09-25/jobs/${result.engineJobId}`, `/2012-09-25/jobs/${result.engineJobId}`]);
      expect(result).toEqual({
        engine: 'elastic-transcoder',
        engineJobId: expect.stringMatching(/^\d{13}-[0-9a-f]{6}$/),
        durationSeconds: 6.2,
        outputKey: `${prefixOf(dest)}${MAIN[label]}`,
        outputKeys: [`${prefixOf(dest)}${MAIN[label]}`],
      });
    });
  }

  it('polls every ETS_POLL_INTERVAL_MS until a terminal state', async () => {
    fake.plan = { statuses: ['Submitted', 'Progressing', 'Progressing', 'Complete'], durationMillis: 1000 };
    const { progress } = await runTranscode(engine({ ETS_POLL_INTERVAL_MS: '30' }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: dest });
    const times = fake.requests.map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps).toHaveLength(4);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(28);
    expect(progress).toContain(50);
  });

  it('Error: permanent, with the output StatusDetail', async () => {
    fake.plan = { statuses: ['Progressing', 'Error'], statusDetail: '4000 Amazon Elastic Transcoder could not interpret the media file.' };
    const err = await rejection(runTranscode(engine(), { conversion: { kind: 'video', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: dest }));
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_TRANSCODE_FAILED' });
    expect(err.message).toMatch(/^Elastic Transcoder job (\d{13}-[0-9a-f]{6}) failed: 4000 \1: Amazon Elastic Transcoder could not interpret the media file\.$/);
  });

  it('Canceled outside the pool: permanent', async () => {
    fake.plan = { statuses: ['Canceled'] };
    const err = await rejection(runTranscode(engine(), { conversion: { kind: 'audio', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: dest }));
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_TRANSCODE_FAILED' });
  });

  it('no terminal state within ETS_TIMEOUT_MS (12 minutes by default): retryable timeout; cancel is attempted', async () => {
    fake.plan = { statuses: ['Progressing'] };
    const err = await rejection(runTranscode(engine({ ETS_TIMEOUT_MS: '150' }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: dest }));
    expect(err).toMatchObject({ name: 'RetryableError', code: 'MEDIA_TRANSCODE_TIMEOUT' });
    expect(err.message).toMatch(/did not finish within ETS_TIMEOUT_MS \(150 ms; last status Progressing\)/);
    // Elastic Transcoder refuses to cancel a Progressing job (409): the timeout still stands.
    expect(fake.count('CancelJob')).toBe(1);
  });

  it('an unknown pipeline (404 ResourceNotFoundException) is permanent', async () => {
    const err = await rejection(runTranscode(engine({ TRANSCODER_PIPELINE_ID: '2222222222222-zzzzzz' }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: dest }));
    expect(err).toMatchObject({
      name: 'PermanentError',
      code: 'MEDIA_ENGINE_REJECTED',
      message: 'Elastic Transcoder CreateJob: ResourceNotFoundException: The specified pipeline was not found: account=000000000000, pipelineId=2222222222222-zzzzzz.',
    });
  });

  it('throttling (429 ThrottlingException): retried with backoff; when it persists, a retryable MEDIA_ENGINE_THROTTLED', async () => {
    fake.failNext('CreateJob', 1, ETS_THROTTLED);
    await runTranscode(engine(), { conversion: { kind: 'audio', sub: 'CONVERT_TO_WEBM' }, source: SOURCE, destination: dest });
    expect(fake.count('CreateJob')).toBe(2);
    fake.failNext('CreateJob', 5, ETS_THROTTLED);
    const err = await rejection(runTranscode(engine({ MEDIA_AWS_MAX_ATTEMPTS: '1' }), { conversion: { kind: 'audio', sub: 'CONVERT_TO_WEBM' }, source: SOURCE, destination: dest }));
    expect(err).toMatchObject({ name: 'RetryableError', code: 'MEDIA_ENGINE_THROTTLED' });
  });

  for (const conversion of [{ kind: 'video', sub: 'CONVERT_TO_HLS' }, { kind: 'video', sub: 'CONVERT_TO_MP4' }] as const) {
    it(`a re-run after a crash (${conversion.sub}) clears only this job's earlier outputs, so Elastic Transcoder does not fail with 3002`, async () => {
      const prefix = prefixOf(dest);
      const jobId = `job-${uid()}`;
      await runTranscode(engine(), { conversion, source: SOURCE, destination: dest, jobId });
      const written = await list(prefix);
      expect(written.length).toBeGreaterThan(0);
      // Neighbours in the same directory that are not this job's outputs.
      const neighbours = [`${prefix}My-Clip-2.mp4`, `${prefix}My-Clip-2.m3u8`, `${prefix}other00000.ts`, `${prefix}notes.txt`];
      for (const k of neighbours) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: 'keep' }));

      const { result } = await runTranscode(engine(), { conversion, source: SOURCE, destination: dest, jobId });
      expect(result.engineJobId).toMatch(/^\d{13}-/);
      expect(await list(prefix)).toEqual([...written, ...neighbours].sort());
    });
  }
});

describe('TRANSCODER=elastic-transcoder end to end from the SQS message', () => {
  it('the jobs row gets meta.engine, the Elastic Transcoder job id and the duration', async () => {
    const stack = await startMediaStack({ env: { TRANSCODER: 'elastic-transcoder', ETS_ENDPOINT: fake.url, TRANSCODER_PIPELINE_ID: PIPELINE, ETS_POLL_INTERVAL_MS: '20' } });
    try {
      const jobKey = `job-${uid()}`;
      await stack.insertJobRow(jobKey, 'TRANSCODE_AUDIO');
      const jobId = await stack.send('TRANSCODE_AUDIO', { key: jobKey, sourceFilePath: stack.url('uploads/a/voice.mp3'), processedFilePath: stack.url('processed/a'), sub: 'CONVERT_TO_WEBM' });
      await stack.wait('media.transcode-audio', jobId, 'completed');
      const id = (fake.requests.filter((r) => r.method === 'GET').at(-1)?.path ?? '').split('/').pop();
      expect(await stack.jobRow(jobKey)).toMatchObject({
        processing_status: 3,
        info: { key: jobKey, sub: 'CONVERT_TO_WEBM', duration: '6s', meta: { engine: 'elastic-transcoder', jobId: id, outputKey: 'processed/a/voice.webm' } },
      });
    } finally {
      await stack.close();
    }
  });
});
