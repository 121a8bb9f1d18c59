import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './env/index.ts';

/** An S3 client for the configured region/endpoint (path-style when an emulator endpoint is set). */
export function createS3Client(config: Pick<Config, 's3' | 'aws'>, opts: { region?: string } = {}): S3Client {
  const endpoint = config.s3.endpoint ?? config.aws.endpoint;
  const creds =
    config.aws.accessKeyId && config.aws.secretAccessKey
      ? { accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey }
      : endpoint
        ? { accessKeyId: 'local', secretAccessKey: 'local' }
        : undefined;
  return new S3Client({
    region: opts.region ?? config.s3.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : { forcePathStyle: config.s3.forcePathStyle }),
    ...(creds ? { credentials: creds } : {}),
    maxAttempts: 3,
  });
}
