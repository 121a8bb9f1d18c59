import { PermanentError, RetryableError } from '@fable-jobs/contracts';
import { runProcess } from './run-process.ts';

export interface ProbeResult {
  formatName: string;
  /** Seconds; 0 when the container does not say. */
  durationSeconds: number;
  video: { codec: string; width: number; height: number; fps: number } | undefined;
  audio: { codec: string; channels: number; sampleRate: number } | undefined;
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
}

function rate(s: string | undefined): number {
  const [n, d] = (s ?? '').split('/').map(Number);
  if (!n || !Number.isFinite(n)) return 0;
  return d ? n / d : n;
}

/** The first lines ffmpeg/ffprobe wrote to stderr, with the local path replaced by the source's name. */
export function describeFailure(stderrTail: string, localPath: string, displayName: string): string {
  const lines = stderrTail
    .split('\n')
    .map((l) => l.split(localPath).join(displayName).trim())
    .filter(Boolean);
  return lines.slice(-3).join(' | ').slice(0, 600) || 'no diagnostic output';
}

/** Read streams and duration; an unreadable file is a permanent failure. */
export async function probe(ffprobe: string, file: string, displayName: string, opts: { signal: AbortSignal; killGraceMs: number; prefix?: readonly string[] }): Promise<ProbeResult> {
  let result;
  try {
    result = await runProcess(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], opts);
  } catch (err) {
    if ((err as Error)?.name === 'SpawnError') throw new RetryableError(`${(err as Error).message}; install ffmpeg/ffprobe in the worker image or set FFPROBE_PATH`, { code: 'MEDIA_ENGINE_UNAVAILABLE' });
    throw err;
  }
  if (result.exitCode !== 0) {
    if (result.exitSignal) throw new RetryableError(`ffprobe was killed by ${result.exitSignal}`, { code: 'MEDIA_ENGINE_CRASHED' });
    throw new PermanentError(`${displayName} is not a readable media file: ${describeFailure(result.stderrTail, file, displayName)}`, { code: 'MEDIA_SOURCE_UNREADABLE' });
  }
  let parsed: { streams?: RawStream[]; format?: { format_name?: string; duration?: string } };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new PermanentError(`${displayName}: ffprobe output is not JSON`, { code: 'MEDIA_SOURCE_UNREADABLE' });
  }
  const streams = parsed.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const a = streams.find((s) => s.codec_type === 'audio');
  let duration = Number(parsed.format?.duration);
  if (!Number.isFinite(duration) || duration <= 0) duration = Math.max(0, ...streams.map((s) => Number(s.duration)).filter(Number.isFinite));
  return {
    formatName: parsed.format?.format_name ?? 'unknown',
    durationSeconds: duration,
    video: v ? { codec: v.codec_name ?? 'unknown', width: v.width ?? 0, height: v.height ?? 0, fps: rate(v.avg_frame_rate) || rate(v.r_frame_rate) } : undefined,
    audio: a ? { codec: a.codec_name ?? 'unknown', channels: a.channels ?? 0, sampleRate: Number(a.sample_rate ?? 0) } : undefined,
  };
}
