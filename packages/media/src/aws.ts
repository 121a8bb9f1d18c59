import { PermanentError, RetryableError } from '@fable-jobs/contracts';
import type { Config } from '@fable-jobs/runtime';

/** Region, endpoint and credentials for an AWS SDK client (local placeholders against a fake endpoint). */
export function awsClientConfig(config: Pick<Config, 'aws'>, endpoint: string | undefined, region: string, maxAttempts: number) {
  const { accessKeyId, secretAccessKey } = config.aws;
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : endpoint ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
  return { region, maxAttempts, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'SlowDown']);

/** An AWS service error (after the SDK's own retries) → a domain error: throttling and 5xx retry, other 4xx do not. */
export function engineError(err: unknown, service: string, operation: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const label = `${service} ${operation}: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(err)}`;
  if (THROTTLING.has(e?.name ?? '') || status === 429) return new RetryableError(`${label} (throttled; retrying later)`, { code: 'MEDIA_ENGINE_THROTTLED', cause: err });
  if (status !== undefined && status >= 400 && status < 500) return new PermanentError(label, { code: 'MEDIA_ENGINE_REJECTED', cause: err });
  return new RetryableError(label, { code: 'MEDIA_ENGINE_UNAVAILABLE', cause: err });
}

/** Resolve after `ms`, or reject with the signal's reason once aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
