import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const run = promisify(execFile);

/** A test video from ffmpeg's lavfi sources: moving test pattern + a 440 Hz tone (unless `audio: false`). */
export async function generateVideo(file: string, opts: { seconds: number; width?: number; height?: number; fps?: number; audio?: boolean }): Promise<void> {
  const { seconds, width = 1280, height = 720, fps = 30, audio = true } = opts;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  // 2 Mbit/s keeps a 30 s clip under the emulator's 11 MiB request limit.
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2M', '-pix_fmt', 'yuv420p');
  if (audio) args.push('-c:a', 'aac', '-b:a', '128k');
  args.push(file);
  await run('ffmpeg', args);
}

/** A test tone (codec from the extension: .mp3, .wav, .m4a...). */
export async function generateTone(file: string, opts: { seconds: number; frequency?: number }): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${opts.frequency ?? 440}:sample_rate=44100`, '-t', String(opts.seconds), file]);
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

/** ffprobe -show_format -show_streams as JSON. */
export async function ffprobeJson(file: string): Promise<{ format: { format_name: string; duration?: string }; streams: ProbedStream[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as { format: { format_name: string; duration?: string }; streams: ProbedStream[] };
}

/** The top-level MP4 boxes in file order (e.g. ['ftyp', 'moov', 'mdat'] when faststart). */
export async function mp4TopLevelBoxes(file: string): Promise<string[]> {
  const buf = await readFile(file);
  const boxes: string[] = [];
  for (let off = 0; off + 8 <= buf.length; ) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(off + 8));
    else if (size === 0) size = buf.length - off;
    boxes.push(type);
    if (size < 8) break;
    off += size;
  }
  return boxes;
}

/** An HLS media playlist's segments: URI and #EXTINF duration, plus whether it ends with #EXT-X-ENDLIST. */
export function parseMediaPlaylist(text: string): { version?: number; targetDuration?: number; playlistType?: string; ended: boolean; segments: Array<{ uri: string; duration: number }> } {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an M3U8 playlist (no #EXTM3U first line)');
  const segments: Array<{ uri: string; duration: number }> = [];
  let pending: number | undefined;
  let targetDuration: number | undefined;
  let playlistType: string | undefined;
  let version: number | undefined;
  for (const line of lines.slice(1)) {
    if (line.startsWith('#EXTINF:')) pending = Number(line.slice(8).split(',')[0]);
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:')) playlistType = line.split(':')[1];
    else if (line.startsWith('#EXT-X-VERSION:')) version = Number(line.split(':')[1]);
    else if (line && !line.startsWith('#')) {
      if (pending === undefined) throw new Error(`segment ${line} has no #EXTINF`);
      segments.push({ uri: line, duration: pending });
      pending = undefined;
    }
  }
  return { version, targetDuration, playlistType, ended: lines.includes('#EXT-X-ENDLIST'), segments };
}

/** Live processes whose command line contains `needle` (from /proc): how tests see orphans. */
export async function processesMatching(needle: string): Promise<Array<{ pid: number; cmdline: string }>> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // A zombie (state Z) has exited; only its parent's wait is missing.
      if (cmdline.includes(needle) && stat.split(') ')[1]?.[0] !== 'Z') out.push({ pid: Number(entry), cmdline });
    } catch {
      /* the process exited while we looked */
    }
  }
  return out;
}

/** Bucket set-up on an S3 emulator (fauxqs), for tests and benchmarks that have no S3 SDK of their own. */
export function emulatorS3(endpoint: string) {
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    client: s3,
    createBucket: async (bucket: string) => void (await s3.send(new CreateBucketCommand({ Bucket: bucket }))),
    putFile: async (bucket: string, key: string, file: string) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }))),
    close: () => s3.destroy(),
  };
}
