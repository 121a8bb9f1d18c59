import { join } from 'node:path';
import { outputNames, type Conversion } from '../transcoder.ts';

/** HLS segment length (seconds); keyframes are forced on these boundaries. */
export const SEGMENT_SECONDS = 4;

export interface FfmpegArgsOptions {
  conversion: Conversion;
  input: string;
  outDir: string;
  stem: string;
  /** Source frame rate (for the fixed GOP); 0 when unknown. */
  fps: number;
  hasAudio: boolean;
  x264Preset: string;
  /** 0 = ffmpeg decides. */
  threads: number;
  maxHeight: number;
  posterIntervalSeconds: number;
}

/**
 * The ffmpeg command line of a conversion (progress on stdout as key=value blocks). The same
 * arguments are what the benchmark runs bare.
 */
export function ffmpegArgs(o: FfmpegArgsOptions): string[] {
  const names = outputNames(o.conversion, o.stem);
  const out = (name: string) => join(o.outDir, name);
  const threads = o.threads > 0 ? ['-threads', String(o.threads)] : [];
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', '-i', o.input];
  // Even dimensions (4:2:0), never taller than maxHeight; quotes keep the commas inside one filter.
  const scale = `scale=w=-2:h='trunc(min(ih,${o.maxHeight})/2)*2'`;
  const x264 = ['-c:v', 'libx264', '-preset', o.x264Preset, '-crf', '23', '-maxrate', '6M', '-bufsize', '12M', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-vf', scale];
  const aac = (bitrate: string) => ['-c:a', 'aac', '-b:a', bitrate, '-ac', '2'];
  const hls = (segmentPattern: string) => [
    '-f', 'hls',
    '-hls_time', String(SEGMENT_SECONDS),
    '-hls_playlist_type', 'vod',
    '-hls_list_size', '0',
    '-hls_segment_type', 'mpegts',
    '-hls_flags', 'independent_segments',
    '-hls_segment_filename', out(segmentPattern),
  ];

  if (o.conversion.kind === 'video') {
    const audioMap = o.hasAudio ? ['-map', '0:a:0'] : [];
    const audio = o.hasAudio ? aac('128k') : ['-an'];
    if (o.conversion.sub === 'CONVERT_TO_MP4') {
      return [...args, '-map', '0:v:0', ...audioMap, ...x264, ...audio, ...threads, '-movflags', '+faststart', '-f', 'mp4', out(names.main)];
    }
    const gop = String(Math.max(1, Math.round((o.fps > 0 ? o.fps : 30) * SEGMENT_SECONDS)));
    return [
      ...args,
      '-map', '0:v:0', ...audioMap, ...x264,
      // A keyframe exactly every SEGMENT_SECONDS (and none elsewhere): segments of equal length.
      '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`, '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
      ...audio, ...threads, ...hls(names.segmentPattern ?? ''), out(names.main),
      // Second output: the first frame and one every posterIntervalSeconds, as poster-00001.png...
      '-map', '0:v:0', '-an',
      '-vf', `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${o.posterIntervalSeconds})',${scale}`,
      '-fps_mode', 'vfr', '-start_number', '1', '-f', 'image2', out(names.posterPattern ?? ''),
    ];
  }
  if (o.conversion.sub === 'CONVERT_TO_HLS') {
    return [...args, '-map', '0:a:0', '-vn', ...aac('160k'), ...threads, ...hls(names.segmentPattern ?? ''), out(names.main)];
  }
  return [...args, '-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '96k', ...threads, '-f', 'webm', out(names.main)];
}
