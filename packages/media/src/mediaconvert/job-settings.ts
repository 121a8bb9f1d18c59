import type { CreateJobCommandInput } from '@aws-sdk/client-mediaconvert';
import { SEGMENT_SECONDS } from '../ffmpeg/ffmpeg-args.ts';
import type { Conversion } from '../transcoder.ts';
import type { DestinationDir, SourceLocation } from '../s3-location.ts';

type Settings = NonNullable<CreateJobCommandInput['Settings']>;
type OutputGroup = NonNullable<Settings['OutputGroups']>[number];
type Output = NonNullable<OutputGroup['Outputs']>[number];

const AUDIO_SELECTOR = 'Audio Selector 1';

const h264: NonNullable<Output['VideoDescription']> = {
  CodecSettings: {
    Codec: 'H_264',
    H264Settings: {
      RateControlMode: 'QVBR',
      QvbrSettings: { QvbrQualityLevel: 7 },
      MaxBitrate: 6_000_000,
      CodecProfile: 'HIGH',
      // Fixed GOP of one segment: every HLS segment starts on a keyframe.
      GopSize: SEGMENT_SECONDS,
      GopSizeUnits: 'SECONDS',
      GopClosedCadence: 1,
      SceneChangeDetect: 'DISABLED',
    },
  },
};

const aac = (bitrate: number): NonNullable<Output['AudioDescriptions']>[number] => ({
  AudioSourceName: AUDIO_SELECTOR,
  CodecSettings: { Codec: 'AAC', AacSettings: { Bitrate: bitrate, CodingMode: 'CODING_MODE_2_0', SampleRate: 48_000 } },
});

const hlsGroup = (destination: string, outputs: Output[]): OutputGroup => ({
  Name: 'HLS',
  OutputGroupSettings: {
    Type: 'HLS_GROUP_SETTINGS',
    HlsGroupSettings: {
      Destination: destination,
      SegmentLength: SEGMENT_SECONDS,
      MinSegmentLength: 0,
      SegmentControl: 'SEGMENTED_FILES',
      DirectoryStructure: 'SINGLE_DIRECTORY',
      ManifestDurationFormat: 'FLOATING_POINT',
      OutputSelection: 'MANIFESTS_AND_SEGMENTS',
    },
  },
  Outputs: outputs,
});

const fileGroup = (name: string, destination: string, outputs: Output[]): OutputGroup => ({
  Name: name,
  OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: destination } },
  Outputs: outputs,
});

/**
 * MediaConvert job settings equivalent to the ffmpeg engine's outputs: the destination's base
 * name is the source stem, so the main output is `<stem>.m3u8` / `<stem>.mp4` / `<stem>.webm`.
 */
export function mediaConvertSettings(conversion: Conversion, source: SourceLocation, destination: DestinationDir, posterIntervalSeconds: number): Settings {
  const base = `s3://${destination.bucket}/${destination.prefix}${source.stem}`;
  const input: NonNullable<Settings['Inputs']>[number] = {
    FileInput: `s3://${source.bucket}/${source.key}`,
    AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } },
    TimecodeSource: 'ZEROBASED',
    ...(conversion.kind === 'video' ? { VideoSelector: {} } : {}),
  };
  let groups: OutputGroup[];
  if (conversion.kind === 'video' && conversion.sub === 'CONVERT_TO_HLS') {
    groups = [
      hlsGroup(base, [{ NameModifier: '_v', ContainerSettings: { Container: 'M3U8', M3u8Settings: {} }, VideoDescription: h264, AudioDescriptions: [aac(128_000)] }]),
      fileGroup('Posters', `s3://${destination.bucket}/${destination.prefix}poster`, [
        {
          NameModifier: '-',
          ContainerSettings: { Container: 'RAW' },
          VideoDescription: { CodecSettings: { Codec: 'FRAME_CAPTURE', FrameCaptureSettings: { FramerateNumerator: 1, FramerateDenominator: posterIntervalSeconds, MaxCaptures: 10_000_000, Quality: 80 } } },
        },
      ]),
    ];
  } else if (conversion.kind === 'video') {
    groups = [
      fileGroup('File', base, [{ ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } }, VideoDescription: h264, AudioDescriptions: [aac(128_000)] }]),
    ];
  } else if (conversion.sub === 'CONVERT_TO_HLS') {
    groups = [
      hlsGroup(base, [
        {
          NameModifier: '_a',
          ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
          OutputSettings: { HlsSettings: { AudioTrackType: 'AUDIO_ONLY_VARIANT_STREAM' } },
          AudioDescriptions: [aac(160_000)],
        },
      ]),
    ];
  } else {
    groups = [
      fileGroup('File', base, [
        {
          ContainerSettings: { Container: 'WEBM' },
          AudioDescriptions: [{ AudioSourceName: AUDIO_SELECTOR, CodecSettings: { Codec: 'OPUS', OpusSettings: { Bitrate: 96_000, Channels: 2, SampleRate: 48_000 } } }],
        },
      ]),
    ];
  }
  return { Inputs: [input], OutputGroups: groups };
}
