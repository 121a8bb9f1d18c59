import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Logger as JobLogger } from '@fable-jobs/contracts';

export type Logger = PinoLogger;

/** Field names whose values never reach a log line, wherever they appear (two levels deep). */
const REDACT_KEYS = [
  'password',
  'pwd',
  'secret',
  'secretAccessKey',
  'apiKey',
  'api_key',
  'token',
  'accessToken',
  'authorization',
  'Authorization',
  'cookie',
  'x-api-key',
  'x-fable-signature',
  'signingSecret',
];
const REDACT_PATHS = [
  ...REDACT_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

/**
 * Replaces every configured secret value (keys, passwords, tokens) that appears in a string.
 * Used on every log line and on failure reasons before they are stored.
 */
export class Scrubber {
  readonly #secrets: string[];
  constructor(secrets: readonly string[]) {
    // Longest first, so a secret containing another is replaced whole.
    this.#secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  }
  scrub(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  }
  get empty(): boolean {
    return this.#secrets.length === 0;
  }
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  scrubber?: Scrubber;
  name?: string;
  base?: Record<string, unknown>;
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const scrubber = opts.scrubber;
  const options = {
    level: opts.level,
    base: { service: 'fable-jobs', ...(opts.name ? { process: opts.name } : {}), ...opts.base },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    hooks: scrubber && !scrubber.empty ? { streamWrite: (line: string) => scrubber.scrub(line) } : {},
  };
  if (opts.pretty) return pino(options, pretty({ sync: true, colorize: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' }));
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * A child logger created on first use. A pino child applies redaction to its bindings when it is
 * made, which costs more than a whole job run (or a whole /health answer) on the hot path, and
 * most runs and requests never log. The proxy forwards everything, so it stands in for the full
 * pino interface (Fastify's request logger) as well as the job logger.
 */
export function lazyLogger<L extends object>(parent: { child(bindings: Record<string, unknown>, opts?: object): L }, bindings: Record<string, unknown>, opts?: object): L {
  let real: L | undefined;
  const get = () => (real ??= opts ? parent.child(bindings, opts) : parent.child(bindings)) as unknown as Record<PropertyKey, unknown>;
  // Methods are answered without making the child: Fastify checks every request logger for
  // info/error/.../child, and that look must not cost the child it is meant to save.
  let methods: Map<PropertyKey, (...a: unknown[]) => unknown> | undefined;
  return new Proxy({} as L, {
    get(_target, prop) {
      if (real === undefined && typeof (parent as Record<PropertyKey, unknown>)[prop] === 'function') {
        methods ??= new Map();
        let m = methods.get(prop);
        if (!m) {
          m = (...args: unknown[]) => {
            const target = get();
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
          methods.set(prop, m);
        }
        return m;
      }
      const target = get();
      const value = target[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, prop, value) {
      get()[prop] = value;
      return true;
    },
  });
}

/** The per-job logger: `lazyLogger` narrowed to the job-facing interface. */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): JobLogger {
  return lazyLogger(parent, bindings);
}
