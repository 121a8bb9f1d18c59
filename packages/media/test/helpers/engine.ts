import { randomBytes } from 'node:crypto';
import { createLogger } from '@fable-jobs/runtime';
import { testConfig } from '@fable-jobs/testing';
import { createTranscoder, parseDestination, parseSource, type Conversion } from '../../src/index.ts';

export const log = createLogger({ level: process.env['FABLE_TEST_LOG'] ?? 'silent' });

export const CONVERSIONS: ReadonlyArray<Conversion> = [
  { kind: 'video', sub: 'CONVERT_TO_HLS' },
  { kind: 'video', sub: 'CONVERT_TO_MP4' },
  { kind: 'audio', sub: 'CONVERT_TO_HLS' },
  { kind: 'audio', sub: 'CONVERT_TO_WEBM' },
];

/** A transcoder built from config exactly as the worker builds it. */
export function engineFromEnv(env: Record<string, string | undefined>) {
  return createTranscoder(testConfig(env).config);
}

/** Run one transcode with a context of our own (progress values are collected). */
export async function runTranscode(
  transcoder: ReturnType<typeof createTranscoder>,
  opts: { conversion: Conversion; source: string; destination: string; jobId?: string; attempt?: number; signal?: AbortSignal },
) {
  const progress: number[] = [];
  const result = await transcoder.transcode(
    { conversion: opts.conversion, source: parseSource(opts.source), destination: parseDestination(opts.destination), jobId: opts.jobId ?? `job-${randomBytes(4).toString('hex')}`, attempt: opts.attempt ?? 1 },
    { signal: opts.signal ?? new AbortController().signal, log, progress: (p) => void progress.push(p) },
  );
  return { result, progress };
}

/** The rejection of a promise, for assertions on domain errors (name, code, message). */
export async function rejection(p: Promise<unknown>): Promise<{ name: string; code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; code?: string; message: string };
  }
  throw new Error('expected the promise to reject');
}
