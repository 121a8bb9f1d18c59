import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlmMainApi, startFakeOpenAi, testConfig, TONE_MP3, type FakeLlmMainApi, type FakeOpenAi } from '@fable-jobs/testing';
import { createLogger } from '@fable-jobs/runtime';
import { DemoIndexCache, MainApiClient, ServiceError, SpeechService } from '../src/index.ts';
import { startS3, type S3Fixture } from './fixture.ts';

const KEY = 'sk-openai-test-0001';
let s3: S3Fixture;
let openai: FakeOpenAi;
let mainApi: FakeLlmMainApi;
const log = createLogger({ level: 'silent' });

const index = {
  entities: {
    '12': {
      annotations: [
        { refId: 'welcome', displayText: '<p>Hi {{firstName}}, welcome to <b>{{company}}</b>!</p>' },
        { refId: 'empty', displayText: '<p> {{missing}} </p>' },
        { refId: 'long', displayText: 'word '.repeat(900) },
      ],
    },
  },
};

beforeAll(async () => {
  s3 = await startS3();
  openai = await startFakeOpenAi(KEY);
  mainApi = await startFakeLlmMainApi();
  await s3.put('root/demo/d1/index.json', Buffer.from(JSON.stringify(index)), 'application/json');
});

afterAll(async () => {
  await Promise.all([openai.server.close(), mainApi.server.close()]);
  await s3.stop();
});

function service(opts: { withMainApi?: boolean; voiceModel?: string } = {}) {
  const { config } = testConfig({
    OPENAI_KEY: KEY,
    LLM_OPENAI_BASE_URL: `${openai.url}/v1`,
    AWS_ASSET_FILE_S3_BUCKET: s3.bucket,
    LLM_AUDIO_PUBLIC_BASE_URL: 'https://cdn.example.com',
    ...(opts.voiceModel ? { LLM_TTS_MODEL: opts.voiceModel } : {}),
  });
  return new SpeechService({
    config,
    log,
    s3: s3.s3,
    indexes: new DemoIndexCache(s3.s3, s3.bucket, { ttlMs: 60_000 }),
    mainApi: opts.withMainApi ? new MainApiClient({ baseUrl: mainApi.url, timeoutMs: 5000, log }) : undefined,
  });
}

const request = (over: Record<string, unknown> = {}) => ({ reason: 'vo' as const, indexUri: '/root/demo/d1/index.json', voice: 'nova', entityUri: '12/welcome', entityType: 'q_ann' as const, vars: { firstName: 'Zoë & Co', company: '<Acme>' }, ...over });

describe('voice-over', () => {
  it('speaks the rendered text (no HTML escaping) and stores real MP3 bytes under a deterministic key', async () => {
    const before = openai.calls.length;
    const a = await service().generate(request(), { authorization: undefined });
    const call = openai.calls[before];
    expect(call?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(call?.json).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'nova', response_format: 'mp3', input: 'Hi Zoë & Co, welcome to <Acme>!' });
    expect(a).toMatchObject({ mediaType: 'audio/mpeg', characters: 'Hi Zoë & Co, welcome to <Acme>!'.length, credits: 1 });
    expect(a.url).toBe(`https://cdn.example.com/${a.key}`);
    const stored = await s3.s3.send(new GetObjectCommand({ Bucket: s3.bucket, Key: a.key }));
    expect(stored.ContentType).toBe('audio/mpeg');
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(TONE_MP3)).toBe(true);
    // Same input, same key; another voice, another key.
    expect((await service().generate(request(), { authorization: undefined })).key).toBe(a.key);
    expect((await service().generate(request({ voice: 'alloy' }), { authorization: undefined })).key).not.toBe(a.key);
  });

  it('uploads through the main API server upload link, with the caller own Authorization, when configured', async () => {
    const auth = 'Bearer 42:header.payload.sig';
    const res = await service({ withMainApi: true }).generate(request(), { authorization: auth });
    const link = await mainApi.server.waitFor((r) => r.path === '/v1/f/getuploadlink');
    expect(link.headers.authorization).toBe(auth);
    expect(Buffer.from(link.query.get('te') ?? '', 'base64').toString()).toBe('audio/mpeg');
    const id = res.url.split('/cdn/')[1] as string;
    expect(mainApi.uploads.get(id)?.contentType).toBe('audio/mpeg');
    expect(mainApi.uploads.get(id)?.body.equals(TONE_MP3)).toBe(true);
  });

  it('refuses unknown entities, empty or too long text and voices the API rejects, with clear 400s', async () => {
    const fail = (over: Record<string, unknown>) => service().generate(request(over), { authorization: undefined }).then(() => undefined, (e: unknown) => e as ServiceError);
    const before = openai.calls.length;
    expect(await fail({ entityUri: '99/welcome' })).toMatchObject({ status: 400, code: 'TTS_BAD_INPUT', message: 'screen 99 is not in the demo index' });
    expect(await fail({ entityUri: '12/nope' })).toMatchObject({ status: 400, message: 'annotation nope is not on screen 12' });
    expect(await fail({ entityUri: '12/empty' })).toMatchObject({ status: 400, message: 'annotation 12/empty has no text to speak' });
    expect(await fail({ entityUri: '12/long' })).toMatchObject({ status: 400, message: expect.stringMatching(/4499 characters; speech takes at most 4096/) });
    expect(await fail({ indexUri: 'root/demo/none/index.json' })).toMatchObject({ status: 400, message: 'the demo index (indexUri) does not exist' });
    expect(openai.calls.length).toBe(before);
    // The voice is checked by the API itself, so voices added later keep working.
    expect(await fail({ voice: 'robot' })).toMatchObject({ status: 400, code: 'TTS_BAD_INPUT', message: 'voice "robot" is not accepted by the speech API' });
    expect((await service().generate(request({ voice: 'marin' }), { authorization: undefined })).mediaType).toBe('audio/mpeg');
  });

  it('reports upstream failures as retryable 5xx without upstream details', async () => {
    openai.script({ kind: 'server-error' }, { kind: 'server-error' });
    const err = (await service().generate(request(), { authorization: undefined }).catch((e: unknown) => e)) as ServiceError;
    expect(err).toMatchObject({ status: 502, code: 'TTS_UPSTREAM_FAILED', message: 'speech synthesis failed upstream; try again' });
  });
});
