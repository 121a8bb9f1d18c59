import { hostname } from 'node:os';
import { context, diag, DiagLogLevel, propagation, SpanKind, trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import type { Sampler, SamplingResult, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from './env/index.ts';
import type { Logger } from './logger.ts';

/** Name of the tracer every fleet span comes from (bridge, runner, BullMQ). */
export const TRACER_NAME = 'fable-jobs';

export interface TracingOptions {
  /** The process role (bridge, worker:media, api…): the `fable.process` resource attribute. */
  processName: string;
  environment?: string | undefined;
  log: Logger;
  /** Export to this exporter, span by span, instead of OTLP (tests); turns tracing on without an endpoint. */
  exporter?: SpanExporter | undefined;
}

/**
 * OpenTelemetry for one process. Off unless an OTLP endpoint is configured: then nothing is loaded
 * and every span call in the code goes to the API's no-op tracer. On: the SDK is loaded in the
 * background (`ready`), spans go to `<endpoint>/v1/traces` in batches, W3C trace context is the
 * propagator, and undici/fetch calls made inside a traced job become client spans.
 */
export class Tracing {
  readonly enabled: boolean;
  /** Resolves once the SDK is registered (at once when off; spans started before are not recorded). */
  readonly ready: Promise<void>;
  #stop: (() => Promise<void>) | undefined;

  constructor(settings: Config['telemetry'], opts: TracingOptions) {
    this.enabled = settings.endpoint !== undefined || opts.exporter !== undefined;
    this.ready = this.enabled
      ? this.#start(settings, opts).catch((err: Error) => opts.log.error({ err: err.message }, 'tracing could not start; continuing without it'))
      : Promise.resolve();
  }

  /** Flush what is buffered and unregister the SDK (lifecycle close phase). */
  async shutdown(): Promise<void> {
    await this.ready;
    const stop = this.#stop;
    this.#stop = undefined;
    await stop?.();
  }

  async #start(settings: Config['telemetry'], opts: TracingOptions): Promise<void> {
    // Loaded only when on: the SDK and exporter cost ~150 ms of start-up in processes that do not trace.
    const [sdk, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, { resourceFromAttributes }, { registerInstrumentations }, { UndiciInstrumentation }] = await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-undici'),
    ]);
    const exporter = opts.exporter ?? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces`, headers: settings.headers });
    const provider = new sdk.TracerProvider({
      resource: resourceFromAttributes({
        'service.name': settings.serviceName,
        'service.instance.id': `${hostname()}/${process.pid}`,
        'deployment.environment.name': opts.environment,
        'fable.process': opts.processName,
      }),
      sampler: new sdk.ParentBasedSampler({ root: new NoHousekeepingRoots(new sdk.TraceIdRatioBasedSampler(settings.sampleRatio)) }),
      spanProcessors: [opts.exporter ? new sdk.SimpleSpanProcessor({ exporter }) : new sdk.BatchSpanProcessor({ exporter })],
    });
    const log = opts.log;
    diag.setLogger(
      { error: (m) => log.warn({ otel: m }, 'opentelemetry'), warn: (m) => log.warn({ otel: m }, 'opentelemetry'), info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // Trace context only: baggage would carry arbitrary entries to every third party we call.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    // undici publishes on diagnostics_channel, so fetch() and the undici package are both covered without hooking imports.
    const unregister = registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true, startSpanHook: (request) => urlWithoutCredentials(request.origin) })],
    });
    this.#stop = async () => {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    };
    log.info({ endpoint: settings.endpoint ? new URL(settings.endpoint).origin : '(in-process exporter)', serviceName: settings.serviceName, sampleRatio: settings.sampleRatio }, 'tracing on');
  }
}

export function startTracing(settings: Config['telemetry'], opts: TracingOptions): Tracing {
  return new Tracing(settings, opts);
}

/**
 * URLs can be credentials (Slack incoming webhooks, tenant webhook paths, API keys in queries):
 * client spans keep only the origin; method, status and server address stay.
 */
function urlWithoutCredentials(origin: string): Attributes {
  return { 'url.full': origin, 'url.path': undefined, 'url.query': undefined };
}

/**
 * Roots of kind INTERNAL are BullMQ housekeeping (empty polls, stalled checks, lock renewals),
 * thousands an hour per worker; traces start at a message, an HTTP request or a job instead.
 */
class NoHousekeepingRoots implements Sampler {
  readonly #inner: Sampler;
  constructor(inner: Sampler) {
    this.#inner = inner;
  }
  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (kind === SpanKind.INTERNAL) return { decision: 0 }; // SamplingDecision.NOT_RECORD (the enum lives in the lazily loaded SDK)
    return this.#inner.shouldSample(ctx, traceId, name, kind, attributes, links);
  }
  toString(): string {
    return `NoHousekeepingRoots{${this.#inner.toString()}}`;
  }
}
