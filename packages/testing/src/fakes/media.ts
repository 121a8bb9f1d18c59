// Fakes and fixtures of the media domain (owned by its pool's tests).
export * from './media/aws-rest-json.ts';
export * from './media/elastic-transcoder-fake.ts';
export * from './media/media-fixtures.ts';
export * from './media/mediaconvert-fake.ts';
export * from './media/s3-outage-proxy.ts';
