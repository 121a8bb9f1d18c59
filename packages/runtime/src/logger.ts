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
 * made, which costs more than a whole job run on the hot path: most runs never log.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): JobLogger {
  let child: Logger | undefined;
  const get = () => (child ??= parent.child(bindings));
  const level = (name: 'debug' | 'info' | 'warn' | 'error') =>
    ((objOrMsg: object | string, msg?: string) => {
      const l = get();
      if (typeof objOrMsg === 'string') l[name](objOrMsg);
      else l[name](objOrMsg, msg);
    }) as JobLogger['info'];
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error'), child: (more) => lazyChild(get(), more) as never };
}
