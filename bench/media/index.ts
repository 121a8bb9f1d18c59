// The media pool vs the bare ffmpeg command it runs, on the same generated 30-second 720p video,
// side by side in one run; then jobs/minute at worker concurrency 1 vs 2.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Bridge } from '@fable-jobs/bridge';
import { encodeMessage, jobIdFor, toSqsAttributes } from '@fable-jobs/contracts';
import { LedgerRepo, LegacyJobsRepo, migrateWithRetry } from '@fable-jobs/db';
import { createMediaProcessors, ffmpegArgs, probe, type Conversion } from '@fable-jobs/media';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createHarness, emulatorS3, generateVideo, testConfig, waitForJob } from '@fable-jobs/testing';
import { createQueuePair, fmt, median, startEmulator, table, type Emulator } from '../lib/common.ts';

const ROUNDS = Number(process.env['BENCH_MEDIA_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_MEDIA_SECONDS'] ?? 30);
const THROUGHPUT_JOBS = Number(process.env['BENCH_MEDIA_JOBS'] ?? 4);
const SUBS: Conversion[] = [
  { kind: 'video', sub: 'CONVERT_TO_HLS' },
  { kind: 'video', sub: 'CONVERT_TO_MP4' },
];
const NAME = 'media.transcode-video';

/** The baseline: exactly the ffmpeg command line the pool runs, on a local copy of the input. */
async function bareFfmpeg(input: string, conversion: Conversion, fps: number): Promise<number> {
  const outDir = await mkdtemp(join(tmpdir(), 'bench-media-bare-'));
  const { media } = testConfig().config;
  const args = ffmpegArgs({
    conversion,
    input,
    outDir,
    stem: 'clip',
    fps,
    hasAudio: true,
    x264Preset: media.ffmpeg.x264Preset,
    threads: media.ffmpeg.threads,
    maxHeight: media.ffmpeg.maxHeight,
    posterIntervalSeconds: media.ffmpeg.posterIntervalSeconds,
  });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(media.ffmpeg.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.slice(-500)}`))));
  });
  const ms = performance.now() - t0;
  await rm(outDir, { recursive: true, force: true });
  return ms;
}

interface Pipeline {
  /** Send one TRANSCODE_VIDEO message; resolves with ms from send to job completed (row Processed). */
  run(sub: string): Promise<number>;
  /** Send `n` at once; resolves with the wall time until all completed. */
  burst(sub: string, n: number): Promise<number>;
  close(): Promise<void>;
}

/** Bridge + media pool (ffmpeg engine) on real Redis/MySQL, S3 and SQS in the emulator process. */
async function startPipeline(emu: Emulator, bucket: string, sourceKey: string, concurrency: number): Promise<Pipeline> {
  const h = await createHarness({
    env: {
      AWS_ENDPOINT_URL: emu.endpoint,
      BRIDGE_WAIT_SECONDS: '1',
      BRIDGE_POLLERS: '1',
      JOB_OVERRIDES: JSON.stringify({ [NAME]: { concurrency } }),
    },
  });
  const { queueUrl, dlqUrl } = await createQueuePair(emu.sqs);
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  const legacyJobs = new LegacyJobsRepo(h.mysql);
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, legacyJobs });
  runner.add('media', createMediaProcessors({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics }));
  await runner.start();
  const bridge = new Bridge({
    sqs: emu.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    legacyJobs,
    log: h.log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: h.config.bridge,
  });
  bridge.start();
  const keys: string[] = [];
  const url = (key: string) => `https://${bucket}.s3.us-east-1.amazonaws.com/${key}`;

  const send = async (sub: string): Promise<string> => {
    const id = randomBytes(5).toString('hex');
    const jobKey = `bench-${id}`;
    keys.push(jobKey);
    await h.mysql('jobs').insert({ job_type: 'TRANSCODE_VIDEO', job_key: jobKey, processing_status: 1 });
    const msg = encodeMessage('TRANSCODE_VIDEO', 'legacy', { key: jobKey, sourceFilePath: url(sourceKey), processedFilePath: url(`bench-out/${id}`), sub });
    const sent = await emu.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: msg.body, MessageAttributes: toSqsAttributes(msg.attributes) }));
    return jobIdFor(sent.MessageId ?? '');
  };
  const completed = async (jobId: string) => {
    const job = await waitForJob(queues.get(NAME), jobId, 'completed', { connection: h.producer, timeoutMs: 30 * 60_000 });
    const key = (job.data as { key: string }).key;
    const row = await legacyJobs.get(key);
    if (row?.processing_status !== 3) throw new Error(`jobs row ${key} is ${row?.processing_status}, expected 3`);
  };

  return {
    async run(sub) {
      const t0 = performance.now();
      await completed(await send(sub));
      return performance.now() - t0;
    },
    async burst(sub, n) {
      const t0 = performance.now();
      const ids = await Promise.all(Array.from({ length: n }, () => send(sub)));
      await Promise.all(ids.map(completed));
      return performance.now() - t0;
    },
    async close() {
      bridge.stopIntake();
      await bridge.drain(AbortSignal.timeout(5000));
      await runner.drain(AbortSignal.timeout(60_000));
      await queues.close();
      if (keys.length) await h.mysql('jobs').whereIn('job_key', keys).delete();
      await h.close();
    },
  };
}

export async function media(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  await migrateWithRetry(testConfig().config, { createDatabases: true });
  const work = await mkdtemp(join(tmpdir(), 'bench-media-'));
  const emu = await startEmulator();
  const s3 = emulatorS3(emu.endpoint);
  try {
    await mkdir(work, { recursive: true });
    const input = join(work, 'input.mp4');
    log(`generating a ${SECONDS}-second 1280x720 30 fps video with audio...`);
    await generateVideo(input, { seconds: SECONDS, width: 1280, height: 720, fps: 30 });
    const info = await probe('ffprobe', input, 'input.mp4', { signal: new AbortController().signal, killGraceMs: 1000 });
    const bucket = `bench-media-${randomBytes(4).toString('hex')}`;
    await s3.createBucket(bucket);
    const sourceKey = 'bench-in/input.mp4';
    await s3.putFile(bucket, sourceKey, input);

    const out: string[] = [];
    const rows: Array<Record<string, string | number>> = [];
    const pipeline = await startPipeline(emu, bucket, sourceKey, 1);
    try {
      await pipeline.run('CONVERT_TO_MP4'); // warm-up: module loading, connections, first S3 calls
      for (const conversion of SUBS) {
        const bare: number[] = [];
        const ours: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          bare.push(await bareFfmpeg(input, conversion, info.video?.fps ?? 30));
          ours.push(await pipeline.run(conversion.sub));
          log(`${conversion.sub} round ${r + 1}/${ROUNDS}: bare ${fmt(bare.at(-1) ?? 0)} ms, pool ${fmt(ours.at(-1) ?? 0)} ms`);
        }
        const b = median(bare);
        const o = median(ours);
        rows.push({
          sub: conversion.sub,
          'bare ffmpeg s (median)': fmt(b / 1000, 2),
          'pool job s (median, SQS send → row Processed)': fmt(o / 1000, 2),
          ratio: fmt(o / b, 3),
          overhead: `${fmt((o / b - 1) * 100, 1)} %`,
          rounds: ROUNDS,
        });
      }
    } finally {
      await pipeline.close();
    }
    out.push(`### One job vs bare ffmpeg (${SECONDS} s 1280x720 H.264/AAC input; download + probe + transcode + upload + status vs ffmpeg alone; target overhead ≤ 10 %)\n`, table(rows), '');

    const tput: Array<Record<string, string | number>> = [];
    const perMinute: number[] = [];
    for (const concurrency of [1, 2]) {
      const p = await startPipeline(emu, bucket, sourceKey, concurrency);
      try {
        const ms = await p.burst('CONVERT_TO_HLS', THROUGHPUT_JOBS);
        const jpm = THROUGHPUT_JOBS / (ms / 60_000);
        perMinute.push(jpm);
        log(`concurrency ${concurrency}: ${THROUGHPUT_JOBS} jobs in ${fmt(ms)} ms`);
        tput.push({ concurrency, jobs: THROUGHPUT_JOBS, 'wall s': fmt(ms / 1000, 1), 'jobs/min': fmt(jpm, 2) });
      } finally {
        await p.close();
      }
    }
    out.push(
      `### Throughput, CONVERT_TO_HLS, ${THROUGHPUT_JOBS} jobs sent at once (concurrency 2 / 1 = ${fmt((perMinute[1] ?? 0) / (perMinute[0] ?? 1), 2)}; ffmpeg threads: auto)\n`,
      table(tput),
      '',
    );
    return out.join('\n');
  } finally {
    s3.close();
    await emu.stop();
    await rm(work, { recursive: true, force: true });
  }
}
