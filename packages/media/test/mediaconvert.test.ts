import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEDIACONVERT_THROTTLED, startMediaConvertFake, until, type MediaConvertFake } from '@fable-jobs/testing';
import { clientRequestToken } from '../src/index.ts';
import { CONVERSIONS, engineFromEnv, rejection, runTranscode } from './helpers/engine.ts';
import { startMediaStack, uid } from './helpers/stack.ts';

const ROLE = 'arn:aws:iam::000000000000:role/MediaConvertRole';
const SOURCE = 'https://in-bucket.s3.eu-west-1.amazonaws.com/uploads/u1/My%20Clip.mov';
const DEST = 'https://out-bucket.s3.eu-west-1.amazonaws.com/processed/u1/';

let fake: MediaConvertFake;

beforeAll(async () => {
  fake = await startMediaConvertFake({ region: 'eu-west-1' });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
  fake.plan = { statuses: ['PROGRESSING', 'COMPLETE'], durationMs: 6200 };
});

const engine = (env: Record<string, string> = {}) =>
  engineFromEnv({
    TRANSCODER: 'mediaconvert',
    MEDIACONVERT_ENDPOINT: fake.url,
    MEDIACONVERT_REGION: 'eu-west-1',
    MEDIACONVERT_ROLE_ARN: ROLE,
    MEDIACONVERT_POLL_INITIAL_MS: '10',
    MEDIACONVERT_POLL_MAX_MS: '40',
    ...env,
  });

const createJobs = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/2017-08-29/jobs');

const INPUT_AUDIO = { audioSelectors: { 'Audio Selector 1': { defaultSelection: 'DEFAULT' } }, timecodeSource: 'ZEROBASED', fileInput: 's3://in-bucket/uploads/u1/My Clip.mov' };
const H264 = {
  codecSettings: {
    codec: 'H_264',
    h264Settings: { rateControlMode: 'QVBR', qvbrSettings: { qvbrQualityLevel: 7 }, maxBitrate: 6000000, codecProfile: 'HIGH', gopSize: 4, gopSizeUnits: 'SECONDS', gopClosedCadence: 1, sceneChangeDetect: 'DISABLED' },
  },
};
const AAC = (bitrate: number) => ({ audioSourceName: 'Audio Selector 1', codecSettings: { codec: 'AAC', aacSettings: { bitrate, codingMode: 'CODING_MODE_2_0', sampleRate: 48000 } } });
const HLS_GROUP = {
  type: 'HLS_GROUP_SETTINGS',
  hlsGroupSettings: {
    destination: 's3://out-bucket/processed/u1/My-Clip',
    segmentLength: 4,
    minSegmentLength: 0,
    segmentControl: 'SEGMENTED_FILES',
    directoryStructure: 'SINGLE_DIRECTORY',
    manifestDurationFormat: 'FLOATING_POINT',
    outputSelection: 'MANIFESTS_AND_SEGMENTS',
  },
};

const EXPECTED_SETTINGS: Record<string, unknown> = {
  'video CONVERT_TO_HLS': {
    inputs: [{ ...INPUT_AUDIO, videoSelector: {} }],
    outputGroups: [
      { name: 'HLS', outputGroupSettings: HLS_GROUP, outputs: [{ nameModifier: '_v', containerSettings: { container: 'M3U8', m3u8Settings: {} }, videoDescription: H264, audioDescriptions: [AAC(128000)] }] },
      {
        name: 'Posters',
        outputGroupSettings: { type: 'FILE_GROUP_SETTINGS', fileGroupSettings: { destination: 's3://out-bucket/processed/u1/poster' } },
        outputs: [
          {
            nameModifier: '-',
            containerSettings: { container: 'RAW' },
            videoDescription: { codecSettings: { codec: 'FRAME_CAPTURE', frameCaptureSettings: { framerateNumerator: 1, framerateDenominator: 60, maxCaptures: 10000000, quality: 80 } } },
          },
        ],
      },
    ],
  },
  'video CONVERT_TO_MP4': {
    inputs: [{ ...INPUT_AUDIO, videoSelector: {} }],
    outputGroups: [
      {
        name: 'File',
        outputGroupSettings: { type: 'FILE_GROUP_SETTINGS', fileGroupSettings: { destination: 's3://out-bucket/processed/u1/My-Clip' } },
        outputs: [{ containerSettings: { container: 'MP4', mp4Settings: { moovPlacement: 'PROGRESSIVE_DOWNLOAD' } }, videoDescription: H264, audioDescriptions: [AAC(128000)] }],
      },
    ],
  },
  'audio CONVERT_TO_HLS': {
    inputs: [INPUT_AUDIO],
    outputGroups: [
      {
        name: 'HLS',
        outputGroupSettings: HLS_GROUP,
        outputs: [
          {
            nameModifier: '_a',
            containerSettings: { container: 'M3U8', m3u8Settings: {} },
            outputSettings: { hlsSettings: { audioTrackType: 'AUDIO_ONLY_VARIANT_STREAM' } },
            audioDescriptions: [AAC(160000)],
          },
        ],
      },
    ],
  },
  'audio CONVERT_TO_WEBM': {
    inputs: [INPUT_AUDIO],
    outputGroups: [
      {
        name: 'File',
        outputGroupSettings: { type: 'FILE_GROUP_SETTINGS', fileGroupSettings: { destination: 's3://out-bucket/processed/u1/My-Clip' } },
        outputs: [
          {
            containerSettings: { container: 'WEBM' },
            audioDescriptions: [{ audioSourceName: 'Audio Selector 1', codecSettings: { codec: 'OPUS', opusSettings: { bitrate: 96000, channels: 2, sampleRate: 48000 } } }],
          },
        ],
      },
    ],
  },
};

const MAIN = { 'video CONVERT_TO_HLS': 'My-Clip.m3u8', 'video CONVERT_TO_MP4': 'My-Clip.mp4', 'audio CONVERT_TO_HLS': 'My-Clip.m3u8', 'audio CONVERT_TO_WEBM': 'My-Clip.webm' } as Record<string, string>;

describe('MediaConvert adapter against a REST-JSON fake', () => {
  for (const conversion of CONVERSIONS) {
    const label = `${conversion.kind} ${conversion.sub}`;
    it(`${label}: sends exactly this CreateJob, polls GetJob to COMPLETE`, async () => {
      const jobId = `job-${uid()}`;
      const { result } = await runTranscode(engine(), { conversion, source: SOURCE, destination: DEST, jobId, attempt: 1 });
      const [create] = createJobs();
      expect(create?.headers['content-type']).toBe('application/json');
      expect(create?.body).toEqual({
        role: ROLE,
        clientRequestToken: clientRequestToken(jobId, 1),
        userMetadata: { fableJobId: jobId },
        settings: EXPECTED_SETTINGS[label],
      });
      const polls = fake.requests.filter((r) => r.method === 'GET');
      expect(polls.map((r) => r.path)).toEqual([`/2017-08-29/jobs/${result.engineJobId}`, `/2017-08-29/jobs/${result.engineJobId}`]);
      expect(result).toEqual({ engine: 'mediaconvert', engineJobId: expect.stringMatching(/^\d+-[0-9a-f]{6}$/), durationSeconds: 6.2, outputKey: `processed/u1/${MAIN[label]}`, outputKeys: [`processed/u1/${MAIN[label]}`] });
    });
  }

  it('sends the configured queue and polls with doubling delays up to the maximum', async () => {
    fake.plan = { statuses: ['SUBMITTED', 'PROGRESSING', 'PROGRESSING', 'PROGRESSING', 'COMPLETE'], durationMs: 1000 };
    const queue = 'arn:aws:mediaconvert:eu-west-1:000000000000:queues/Fable';
    const { progress } = await runTranscode(engine({ MEDIACONVERT_QUEUE_ARN: queue }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: DEST });
    expect((createJobs()[0]?.body as { queue?: string }).queue).toBe(queue);
    const times = fake.requests.map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // Delays 10, 20, 40, 40, 40 ms (MEDIACONVERT_POLL_INITIAL_MS=10, MAX=40).
    expect(gaps).toHaveLength(5);
    [10, 20, 40, 40, 40].forEach((min, i) => expect(gaps[i]).toBeGreaterThanOrEqual(min - 2));
    expect(progress).toContain(50); // jobPercentComplete while PROGRESSING
  });

  it('ERROR: a permanent failure carrying the MediaConvert error code and message', async () => {
    fake.plan = { statuses: ['PROGRESSING', 'ERROR'], errorCode: 1010, errorMessage: 'Unable to open input file [s3://in-bucket/uploads/u1/My Clip.mov]' };
    const err = await rejection(runTranscode(engine(), { conversion: { kind: 'video', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: DEST }));
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_TRANSCODE_FAILED' });
    expect(err.message).toMatch(/^MediaConvert job \d+-[0-9a-f]{6} failed: 1010 Unable to open input file/);
    expect(fake.count('CancelJob')).toBe(0);
  });

  it('CANCELED outside the pool: permanent', async () => {
    fake.plan = { statuses: ['CANCELED'] };
    const err = await rejection(runTranscode(engine(), { conversion: { kind: 'audio', sub: 'CONVERT_TO_WEBM' }, source: SOURCE, destination: DEST }));
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_TRANSCODE_FAILED' });
    expect(err.message).toMatch(/was canceled outside the pool/);
  });

  it('no terminal state within MEDIACONVERT_TIMEOUT_MS: retryable timeout, and the job is canceled', async () => {
    fake.plan = { statuses: ['PROGRESSING'] };
    const err = await rejection(runTranscode(engine({ MEDIACONVERT_TIMEOUT_MS: '150' }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: DEST }));
    expect(err).toMatchObject({ name: 'RetryableError', code: 'MEDIA_TRANSCODE_TIMEOUT' });
    const id = (fake.requests.find((r) => r.method === 'GET')?.path ?? '').split('/').pop();
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/2017-08-29/jobs/${id}`]);
  });

  it('aborted (cancellation, shutdown): rejects with the reason and cancels the MediaConvert job', async () => {
    fake.plan = { statuses: ['PROGRESSING'] };
    const ac = new AbortController();
    const run = runTranscode(engine(), { conversion: { kind: 'video', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: DEST, signal: ac.signal });
    await until(() => fake.count('GetJob') >= 2, { what: 'two GetJob polls' });
    ac.abort(new Error('shutdown deadline'));
    expect((await rejection(run)).message).toBe('shutdown deadline');
    expect(fake.count('CancelJob')).toBe(1);
  });

  it('throttled CreateJob: the SDK retries with backoff and the job goes through', async () => {
    fake.failNext('CreateJob', 1, MEDIACONVERT_THROTTLED);
    const { result } = await runTranscode(engine(), { conversion: { kind: 'audio', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: DEST });
    expect(fake.count('CreateJob')).toBe(2);
    expect(result.durationSeconds).toBe(6.2);
  });

  it('still throttled after MEDIA_AWS_MAX_ATTEMPTS: a retryable MEDIA_ENGINE_THROTTLED', async () => {
    fake.failNext('CreateJob', 10, MEDIACONVERT_THROTTLED);
    const err = await rejection(runTranscode(engine({ MEDIA_AWS_MAX_ATTEMPTS: '2' }), { conversion: { kind: 'audio', sub: 'CONVERT_TO_HLS' }, source: SOURCE, destination: DEST }));
    expect(err).toMatchObject({ name: 'RetryableError', code: 'MEDIA_ENGINE_THROTTLED' });
    expect(err.message).toMatch(/^MediaConvert CreateJob: TooManyRequestsException: Too Many Requests/);
    expect(fake.count('CreateJob')).toBe(2);
  });

  it('throttled or failing GetJob polls do not fail the job: polling goes on', async () => {
    fake.failNext('GetJob', 3, MEDIACONVERT_THROTTLED);
    const { result } = await runTranscode(engine({ MEDIA_AWS_MAX_ATTEMPTS: '1' }), { conversion: { kind: 'video', sub: 'CONVERT_TO_MP4' }, source: SOURCE, destination: DEST });
    expect(fake.count('GetJob')).toBe(5);
    expect(result.engineJobId).toMatch(/^\d+-/);
  });

  it('a rejected request (400 BadRequestException) is permanent; a 500 is retryable', async () => {
    fake.failNext('CreateJob', 1, { status: 400, type: 'BadRequestException', message: '/settings/outputGroups/0/outputs/0: Unsupported codec' });
    const bad = await rejection(runTranscode(engine(), { conversion: { kind: 'audio', sub: 'CONVERT_TO_WEBM' }, source: SOURCE, destination: DEST }));
    expect(bad).toMatchObject({ name: 'PermanentError', code: 'MEDIA_ENGINE_REJECTED', message: 'MediaConvert CreateJob: BadRequestException: /settings/outputGroups/0/outputs/0: Unsupported codec' });
    fake.failNext('CreateJob', 5, { status: 500, type: 'InternalServerErrorException', message: 'Internal failure' });
    const down = await rejection(runTranscode(engine({ MEDIA_AWS_MAX_ATTEMPTS: '1' }), { conversion: { kind: 'audio', sub: 'CONVERT_TO_WEBM' }, source: SOURCE, destination: DEST }));
    expect(down).toMatchObject({ name: 'RetryableError', code: 'MEDIA_ENGINE_UNAVAILABLE' });
  });

  it('a re-run of the same attempt (crash) re-attaches to the same MediaConvert job; a new attempt creates a new one', async () => {
    const conversion = { kind: 'video', sub: 'CONVERT_TO_HLS' } as const;
    const jobId = `job-${uid()}`;
    const a = await runTranscode(engine(), { conversion, source: SOURCE, destination: DEST, jobId, attempt: 1 });
    const b = await runTranscode(engine(), { conversion, source: SOURCE, destination: DEST, jobId, attempt: 1 });
    const c = await runTranscode(engine(), { conversion, source: SOURCE, destination: DEST, jobId, attempt: 2 });
    expect(b.result.engineJobId).toBe(a.result.engineJobId);
    expect(c.result.engineJobId).not.toBe(a.result.engineJobId);
    expect(clientRequestToken(jobId, 1)).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.count('CreateJob')).toBe(3);
  });
});

describe('TRANSCODER=mediaconvert end to end from the SQS message', () => {
  it('the jobs row gets meta.engine, the MediaConvert job id and the duration', async () => {
    const stack = await startMediaStack({
      env: { TRANSCODER: 'mediaconvert', MEDIACONVERT_ENDPOINT: fake.url, MEDIACONVERT_ROLE_ARN: ROLE, MEDIACONVERT_POLL_INITIAL_MS: '10', MEDIACONVERT_POLL_MAX_MS: '20' },
    });
    try {
      const jobKey = `job-${uid()}`;
      await stack.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
      const jobId = await stack.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: stack.url('uploads/a/clip.mp4'), processedFilePath: stack.url('processed/a'), sub: 'CONVERT_TO_MP4' });
      await stack.wait('media.transcode-video', jobId, 'completed');
      const mcJob = (createJobs().at(-1)?.body as { userMetadata: { fableJobId: string } }).userMetadata.fableJobId;
      expect(mcJob).toBe(jobId);
      const id = (fake.requests.filter((r) => r.method === 'GET').at(-1)?.path ?? '').split('/').pop();
      expect(await stack.jobRow(jobKey)).toMatchObject({
        processing_status: 3,
        info: { key: jobKey, sub: 'CONVERT_TO_MP4', duration: '6s', durationSeconds: 6.2, meta: { engine: 'mediaconvert', jobId: id, outputKey: 'processed/a/clip.mp4' } },
      });
    } finally {
      await stack.close();
    }
  });
});
