import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TONE_MP3 } from '@fable-jobs/testing';
import { put, startApi, startExternals, type ApiFixture, type Externals } from './llm-fixture.ts';

let ext: Externals;
let api: ApiFixture;
let noMainApi: ApiFixture;

const index = {
  entities: {
    '4': {
      annotations: [
        { refId: 'hello', displayText: '<p>Welcome {{name}} to {{company}}. {{#if trial}}Your trial is on us.{{/if}}</p>' },
        { refId: 'blank', displayText: '<p></p>' },
      ],
    },
  },
};

beforeAll(async () => {
  ext = await startExternals();
  await put(ext, ext.assetBucket, 'root/demo/rid-1/index.json', JSON.stringify(index), 'application/json');
  api = await startApi(ext, { worker: false });
  noMainApi = await startApi(ext, { worker: false, env: { API_SERVER_ENDPOINT: '' } });
});

afterAll(async () => {
  await api?.close();
  await noMainApi?.close();
  await ext?.stop();
});

const body = (over: Record<string, unknown> = {}) => ({ reason: 'vo', indexUri: '/root/demo/rid-1/index.json', voice: 'shimmer', entityUri: '4/hello', entityType: 'q_ann', vars: { name: 'Ada & <Bob>', company: 'Acme', trial: true }, ...over });
const gen = (fixture: ApiFixture, payload: Record<string, unknown>, authorization = fixture.auth()) => fixture.app.inject({ method: 'POST', url: '/v1/f/aud/gen', headers: { authorization }, payload });

describe('POST /v1/f/aud/gen', () => {
  it('synthesizes the rendered annotation, uploads it through the main API server and deducts credits after', async () => {
    const auth = api.auth({ sub: `auth0|vo-${Math.random()}`, orgId: '9' });
    const before = ext.openai.calls.length;
    const res = await gen(api, body(), auth);
    expect(res.statusCode, res.body).toBe(200);
    const { url, mediaType } = res.json().data as { url: string; mediaType: string };
    expect(res.json().status).toBe('Success');
    expect(mediaType).toBe('audio/mpeg');
    expect(ext.openai.calls[before]?.json).toMatchObject({ voice: 'shimmer', response_format: 'mp3', input: 'Welcome Ada & <Bob> to Acme. Your trial is on us.' });
    const upload = ext.mainApi.uploads.get(url.split('/cdn/')[1] as string);
    expect(upload?.body.equals(TONE_MP3)).toBe(true);
    await api.app.backgroundTasks.idle();
    const deducted = ext.mainApi.calls('/v1/f/deductcredit').filter((c) => c.headers.authorization === auth);
    // 48 characters → ceil(ceil(48 / 1000) × 0.5) = 1.
    expect(deducted.map((c) => c.json)).toEqual([{ deductBy: 1, creditType: 'AI_CREDIT' }]);
  });

  it('stores the MP3 in the asset bucket under a deterministic key when no main API server is configured', async () => {
    const res = await gen(noMainApi, body());
    expect(res.statusCode).toBe(200);
    const url = res.json().data.url as string;
    expect(url).toMatch(/^\/aud\/gen\/[0-9a-f]{64}\.mp3$/);
    const stored = await ext.s3.send(new GetObjectCommand({ Bucket: ext.assetBucket, Key: url.slice(1) }));
    expect(stored.ContentType).toBe('audio/mpeg');
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(TONE_MP3)).toBe(true);
    expect((await gen(noMainApi, body())).json().data.url).toBe(url);
  });

  it('answers unknown entities, empty text and voices the API refuses with a clear 400, deducting nothing', async () => {
    const auth = api.auth({ sub: `auth0|vo-bad-${Math.random()}` });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ entityUri: '5/hello' }, 'screen 5 is not in the demo index'],
      [{ entityUri: '4/goodbye' }, 'annotation goodbye is not on screen 4'],
      [{ entityUri: '4/blank' }, 'annotation 4/blank has no text to speak'],
      [{ voice: 'darth' }, 'voice "darth" is not accepted by the speech API'],
      [{ indexUri: 'root/demo/none/index.json' }, 'the demo index (indexUri) does not exist'],
    ];
    for (const [over, err] of cases) {
      const res = await gen(api, body(over), auth);
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json()).toEqual({ status: 'Failure', data: { err, errCode: 'TTS_BAD_INPUT' } });
    }
    const invalid = await gen(api, body({ entityType: 'video', voice: 'UPPER' }), auth);
    expect(invalid.statusCode).toBe(400);
    await api.app.backgroundTasks.idle();
    expect(ext.mainApi.calls('/v1/f/deductcredit').filter((c) => c.headers.authorization === auth)).toHaveLength(0);
  });

  it('answers an upstream failure with a 5xx that says nothing of the provider', async () => {
    ext.openai.script({ kind: 'server-error' }, { kind: 'server-error' });
    const res = await gen(api, body());
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'speech synthesis failed upstream; try again', errCode: 'TTS_UPSTREAM_FAILED' } });
  });

  it('is not served without a valid token', async () => {
    const before = ext.openai.calls.length;
    expect((await api.app.inject({ method: 'POST', url: '/v1/f/aud/gen', payload: body() })).statusCode).toBe(401);
    expect(ext.openai.calls.length).toBe(before);
  });
});
