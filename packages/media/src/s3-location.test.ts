import { describe, expect, it } from 'vitest';
import { objectUrl, parseDestination, parseSource, safeStem } from './s3-location.ts';

function badUrl(fn: () => unknown): { name: string; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { name: string; code: string; message: string };
  }
  throw new Error('expected a throw');
}

describe('parseSource', () => {
  it('virtual-hosted style with a region: bucket, key, directory, file name, output stem', () => {
    expect(parseSource('https://fable-assets.s3.ap-south-1.amazonaws.com/org/12/video/intro.mov')).toEqual({
      bucket: 'fable-assets',
      key: 'org/12/video/intro.mov',
      region: 'ap-south-1',
      dir: 'org/12/video/',
      fileName: 'intro.mov',
      stem: 'intro',
    });
  });

  it('the other host forms AWS serves', () => {
    expect(parseSource('https://bkt.s3.amazonaws.com/a/x.mp4')).toMatchObject({ bucket: 'bkt', key: 'a/x.mp4', region: undefined });
    expect(parseSource('https://bkt.s3-us-west-2.amazonaws.com/a/x.mp4')).toMatchObject({ bucket: 'bkt', region: 'us-west-2' });
    expect(parseSource('https://bkt.s3.dualstack.eu-west-1.amazonaws.com/a/x.mp4')).toMatchObject({ bucket: 'bkt', region: 'eu-west-1' });
    expect(parseSource('https://my.dotted.bucket.s3.us-east-1.amazonaws.com/x.mp4')).toMatchObject({ bucket: 'my.dotted.bucket', key: 'x.mp4', dir: '' });
    expect(parseSource('https://s3.eu-west-1.amazonaws.com/bkt/a/b/x.mp4')).toMatchObject({ bucket: 'bkt', key: 'a/b/x.mp4', region: 'eu-west-1', dir: 'a/b/' });
    expect(parseSource('https://s3.amazonaws.com/bkt/x.mp4')).toMatchObject({ bucket: 'bkt', key: 'x.mp4', region: undefined });
    expect(parseSource('s3://bkt/a/x.mp4')).toMatchObject({ bucket: 'bkt', key: 'a/x.mp4' });
  });

  it('decodes the key as S3 encodes it (+ and %20 are spaces, %2B is +) and ignores the query string', () => {
    const s = parseSource('https://bkt.s3.us-east-1.amazonaws.com/up/My+Demo%20%282%29%2Bfinal.MP4?X-Amz-Signature=abc');
    expect(s).toMatchObject({ key: 'up/My Demo (2)+final.MP4', fileName: 'My Demo (2)+final.MP4', stem: 'My-Demo--2--final' });
  });

  it('accepts path-style URLs on a configured emulator endpoint only', () => {
    expect(parseSource('http://127.0.0.1:4566/bkt/a/x.mp4', ['http://127.0.0.1:4566'])).toMatchObject({ bucket: 'bkt', key: 'a/x.mp4' });
    expect(badUrl(() => parseSource('http://127.0.0.1:4566/bkt/a/x.mp4')).code).toBe('MEDIA_BAD_URL');
  });

  it('rejects what cannot name an S3 object, permanently, saying what was expected', () => {
    const cases = [
      ['not a url', /is not a URL/],
      ['ftp://bkt.s3.amazonaws.com/x.mp4', /is not an https URL/],
      ['https://example.com/x.mp4', /is not an S3 URL/],
      ['https://bkt.s3.us-east-1.amazonaws.com/dir/', /names a directory, not a file/],
      ['https://bkt.s3.us-east-1.amazonaws.com/', /names a directory, not a file/],
      ['https://s3.us-east-1.amazonaws.com/UPPER/x.mp4', /names no valid bucket/],
      ['https://bkt.s3.us-east-1.amazonaws.com/%E0%A4%A.mp4', /malformed percent-encoding/],
    ] as const;
    for (const [url, why] of cases) {
      const err = badUrl(() => parseSource(url));
      expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_BAD_URL' });
      expect(err.message).toMatch(why);
      expect(err.message).toContain('expected https://<bucket>.s3.<region>.amazonaws.com/<key>');
    }
  });
});

describe('parseDestination', () => {
  it('a directory URL becomes a key prefix ending in /, with or without the trailing slash', () => {
    expect(parseDestination('https://bkt.s3.us-east-1.amazonaws.com/processed/12')).toEqual({ bucket: 'bkt', prefix: 'processed/12/', region: 'us-east-1' });
    expect(parseDestination('https://bkt.s3.us-east-1.amazonaws.com/processed/12/')).toEqual({ bucket: 'bkt', prefix: 'processed/12/', region: 'us-east-1' });
    expect(parseDestination('https://bkt.s3.us-east-1.amazonaws.com/')).toEqual({ bucket: 'bkt', prefix: '', region: 'us-east-1' });
  });
});

describe('safeStem / objectUrl', () => {
  it('output names keep only characters safe in keys, URLs and ffmpeg patterns', () => {
    expect(safeStem('clip.final.mov')).toBe('clip.final');
    expect(safeStem('50% off!.mp4')).toBe('50--off-');
    expect(safeStem('..hidden.mp4')).toBe('hidden');
    expect(safeStem('%%%.mp4')).toBe('media');
    expect(safeStem('noext')).toBe('noext');
  });

  it('objectUrl round-trips through parseSource', () => {
    const url = objectUrl('bkt', 'a b/c+d.m3u8', 'eu-west-1');
    expect(url).toBe('https://bkt.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd.m3u8');
    expect(parseSource(url)).toMatchObject({ bucket: 'bkt', key: 'a b/c+d.m3u8', region: 'eu-west-1' });
  });
});
