import { SettingError, v } from '../define.ts';

/** `key=value,key=value` as OTEL_EXPORTER_OTLP_HEADERS (values may be percent-encoded). */
function parseHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new SettingError('must be key=value pairs separated by commas');
    try {
      out[name] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new SettingError(`${name}: the value is not valid percent-encoding`);
    }
  }
  return out;
}

function parseRatio(raw: string): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new SettingError(`must be a number from 0 to 1 (got ${JSON.stringify(raw)})`);
  return n;
}

export const telemetry = {
  endpoint: v.optionalUrl(['OTEL_EXPORTER_OTLP_ENDPOINT'], {
    protocols: ['http', 'https'],
    doc: 'OpenTelemetry collector base URL (OTLP/HTTP); traces are sent to <url>/v1/traces. Unset: tracing is off and no SDK is loaded.',
  }),
  headers: v.custom(
    ['OTEL_EXPORTER_OTLP_HEADERS'],
    { default: {}, secret: true, describe: () => '', doc: 'Headers sent with every export, `key=value,key=value` (a collector API key).' },
    parseHeaders,
  ),
  serviceName: v.string(['OTEL_SERVICE_NAME'], { default: 'fable-jobs', doc: 'service.name of the spans; the process role (bridge, worker:media, api) is the fable.process resource attribute.' }),
  sampleRatio: v.custom(
    ['OTEL_TRACES_SAMPLER_ARG'],
    { default: 1, doc: 'Fraction of traces started here that are recorded (0..1); a message whose producer sent a traceparent follows the producer\'s sampled flag.' },
    parseRatio,
  ),
};
