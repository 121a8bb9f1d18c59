import { PermanentError } from '@fable-jobs/contracts';

/** An S3 object named by an https URL of a producer. */
export interface SourceLocation {
  bucket: string;
  key: string;
  /** Region named in the host, when it names one. */
  region: string | undefined;
  /** Key of the directory holding the object: '' or ending with '/'. */
  dir: string;
  /** Last path segment, decoded (`clip 1.mov`). */
  fileName: string;
  /** File name without its extension, reduced to [A-Za-z0-9._-]: the stem of every output key. */
  stem: string;
}

/** An S3 "directory" (key prefix) named by an https URL. */
export interface DestinationDir {
  bucket: string;
  /** '' (bucket root) or ending with '/'. */
  prefix: string;
  region: string | undefined;
}

// <bucket>.s3[.-]<region>.amazonaws.com, <bucket>.s3.amazonaws.com, with optional dualstack / .cn
const VIRTUAL_HOSTED = /^(.+)\.s3(?:[.-](?:dualstack\.)?([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
// s3[.-]<region>.amazonaws.com/<bucket>/<key>
const PATH_STYLE = /^s3(?:[.-](?:dualstack\.)?([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const EXPECTED = 'expected https://<bucket>.s3.<region>.amazonaws.com/<key> or https://s3.<region>.amazonaws.com/<bucket>/<key>';

function badUrl(field: string, url: string, why: string): PermanentError {
  return new PermanentError(`${field} ${JSON.stringify(url.slice(0, 300))} ${why} (${EXPECTED})`, { code: 'MEDIA_BAD_URL' });
}

/** S3 URLs encode a space as `+` (console object URLs) or `%20`; `+` itself is `%2B`. */
function decodeKey(path: string): string {
  return decodeURIComponent(path.replace(/\+/g, ' '));
}

/**
 * bucket + key + region of an S3 https URL (virtual-hosted or path style), `s3://bucket/key`, or
 * a path-style URL on one of `endpoints` (an emulator such as fauxqs in development).
 */
export function parseS3Url(raw: string, field: string, endpoints: readonly string[] = []): { bucket: string; key: string; region: string | undefined } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badUrl(field, raw, 'is not a URL');
  }
  let bucket: string;
  let rawKey: string;
  let region: string | undefined;
  const host = url.hostname.toLowerCase();
  const onEndpoint = endpoints.some((e) => {
    try {
      return new URL(e).origin === url.origin;
    } catch {
      return false;
    }
  });
  if (url.protocol === 's3:') {
    bucket = host;
    rawKey = url.pathname.replace(/^\//, '');
  } else if (url.protocol !== 'https:' && !(onEndpoint && url.protocol === 'http:')) {
    throw badUrl(field, raw, 'is not an https URL');
  } else if (onEndpoint || PATH_STYLE.test(host)) {
    region = PATH_STYLE.exec(host)?.[1];
    const [first, ...rest] = url.pathname.replace(/^\//, '').split('/');
    bucket = first ?? '';
    rawKey = rest.join('/');
  } else {
    const m = VIRTUAL_HOSTED.exec(host);
    if (!m) throw badUrl(field, raw, 'is not an S3 URL');
    bucket = m[1] ?? '';
    region = m[2];
    rawKey = url.pathname.replace(/^\//, '');
  }
  if (!BUCKET.test(bucket)) throw badUrl(field, raw, `names no valid bucket (${JSON.stringify(bucket.slice(0, 80))})`);
  let key: string;
  try {
    key = decodeKey(rawKey);
  } catch {
    throw badUrl(field, raw, 'has a malformed percent-encoding');
  }
  // "s3-external-1" and the bare global host are us-east-1.
  if (region === 'external-1') region = 'us-east-1';
  return { bucket, key, region };
}

/** Output names: the source file's stem, reduced to characters safe in S3 keys, URLs and ffmpeg patterns. */
export function safeStem(fileName: string): string {
  const stem = fileName.includes('.') ? fileName.slice(0, fileName.lastIndexOf('.')) : fileName;
  const safe = stem.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '').slice(0, 200);
  return safe.length > 0 ? safe : 'media';
}

export function parseSource(raw: string, endpoints: readonly string[] = []): SourceLocation {
  const { bucket, key, region } = parseS3Url(raw, 'sourceFilePath', endpoints);
  if (key === '' || key.endsWith('/')) throw badUrl('sourceFilePath', raw, 'names a directory, not a file');
  const slash = key.lastIndexOf('/');
  const fileName = key.slice(slash + 1);
  return { bucket, key, region, dir: key.slice(0, slash + 1), fileName, stem: safeStem(fileName) };
}

export function parseDestination(raw: string, endpoints: readonly string[] = []): DestinationDir {
  const { bucket, key, region } = parseS3Url(raw, 'processedFilePath', endpoints);
  const trimmed = key.replace(/^\/+/, '').replace(/\/+$/, '');
  return { bucket, prefix: trimmed === '' ? '' : `${trimmed}/`, region };
}

/** The https URL of an object, virtual-hosted style (what producers send and the API server stores). */
export function objectUrl(bucket: string, key: string, region: string | undefined): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `https://${bucket}.s3.${region ?? 'us-east-1'}.amazonaws.com/${path}`;
}
