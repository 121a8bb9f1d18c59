/**
 * A declarative environment schema. Each setting lists its accepted names (the first is the
 * canonical one; later ones are aliases, including the old service's spellings), a parser,
 * a default and a one-line doc. `parseEnv` reads every setting and reports every problem at once.
 */
export interface Setting<T> {
  readonly kind: 'setting';
  readonly names: readonly string[];
  readonly doc: string;
  readonly secret: boolean;
  /** Shown in .env.example; defaults to the default value. */
  readonly example?: string | undefined;
  readonly defaultText?: string | undefined;
  readonly parse: (raw: string | undefined) => T;
  /** For a structured secret: the parts that are secret (default: every string in it). */
  // Method syntax keeps Setting<T> assignable to Setting<unknown> (parameters are bivariant).
  secretValues?(value: T): string[];
}

export class SettingError extends Error {}

interface Common<T> {
  doc: string;
  secret?: boolean;
  example?: string;
  default?: T;
  secretValues?(value: T): string[];
}

function setting<T>(names: readonly string[], opts: Common<T>, parse: (raw: string) => T, describe?: (v: T) => string): Setting<T> {
  const hasDefault = 'default' in opts;
  return {
    kind: 'setting',
    names,
    doc: opts.doc,
    secret: opts.secret ?? false,
    example: opts.example,
    defaultText: hasDefault && opts.default !== undefined ? (describe ? describe(opts.default) : String(opts.default)) : undefined,
    ...(opts.secretValues ? { secretValues: opts.secretValues } : {}),
    parse: (raw) => {
      if (raw === undefined || raw === '') {
        if (hasDefault) return opts.default as T;
        throw new SettingError('is required');
      }
      return parse(raw);
    },
  };
}

const show = (raw: string, secret = false) => (secret ? '' : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`);

export const v = {
  string: (names: readonly string[], opts: Common<string> & { pattern?: RegExp; patternDoc?: string }) =>
    setting(names, opts, (raw) => {
      if (opts.pattern && !opts.pattern.test(raw)) throw new SettingError(`must be ${opts.patternDoc ?? `like ${opts.pattern}`}${show(raw, opts.secret)}`);
      return raw;
    }),
  optionalString: (names: readonly string[], opts: Omit<Common<string>, 'default'>) =>
    setting<string | undefined>(names, { ...opts, default: undefined }, (raw) => raw),
  int: (names: readonly string[], opts: Common<number> & { min?: number; max?: number }) =>
    setting(names, opts, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) throw new SettingError(`must be an integer${show(raw)}`);
      const n = Number(raw);
      if (opts.min !== undefined && n < opts.min) throw new SettingError(`must be >= ${opts.min}${show(raw)}`);
      if (opts.max !== undefined && n > opts.max) throw new SettingError(`must be <= ${opts.max}${show(raw)}`);
      return n;
    }),
  bool: (names: readonly string[], opts: Common<boolean>) =>
    setting(names, opts, (raw) => {
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw new SettingError(`must be true or false${show(raw)}`);
    }),
  enum: <const E extends string>(names: readonly string[], values: readonly E[], opts: Common<E>) =>
    setting(names, opts, (raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new SettingError(`must be one of ${values.join(' | ')}${show(raw)}`);
      return raw as E;
    }),
  url: (names: readonly string[], opts: Common<string> & { protocols?: readonly string[] }) =>
    setting(names, opts, (raw) => parseUrl(raw, opts.protocols, opts.secret)),
  optionalUrl: (names: readonly string[], opts: Omit<Common<string>, 'default'> & { protocols?: readonly string[] }) =>
    setting<string | undefined>(names, { ...opts, default: undefined }, (raw) => parseUrl(raw, opts.protocols, opts.secret)),
  list: (names: readonly string[], opts: Common<string[]> & { separator?: string }) =>
    setting(
      names,
      opts,
      (raw) =>
        raw
          .split(opts.separator ?? ',')
          .map((s) => s.trim())
          .filter(Boolean),
      (list) => list.join(opts.separator ?? ','),
    ),
  /** A value parsed by a custom function; it throws SettingError with a readable message. */
  custom: <T>(names: readonly string[], opts: Common<T> & { describe?: (v: T) => string }, parse: (raw: string) => T) =>
    setting(names, opts, parse, opts.describe),
};

function parseUrl(raw: string, protocols: readonly string[] | undefined, secret = false): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SettingError(`must be an absolute URL${show(raw, secret)}`);
  }
  if (protocols && !protocols.includes(url.protocol.replace(/:$/, ''))) {
    throw new SettingError(`must use ${protocols.join(' or ')}${show(raw, secret)}`);
  }
  return raw.replace(/\/+$/, '');
}

export type SpecTree = { readonly [key: string]: Setting<unknown> | SpecTree };
export type Infer<S> = S extends Setting<infer T> ? T : S extends SpecTree ? { -readonly [K in keyof S]: Infer<S[K]> } : never;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export interface ParsedEnv<S extends SpecTree> {
  config: Infer<S>;
  /** Values of every setting marked secret, to scrub from logs and error messages. */
  secrets: string[];
  /** First names of the settings the environment set (the rest took their defaults). */
  given: Set<string>;
}

/** Read every setting of the tree from `env`; throws one ConfigError listing all problems. */
export function parseEnv<S extends SpecTree>(spec: S, env: Record<string, string | undefined>): ParsedEnv<S> {
  const problems: string[] = [];
  const secrets: string[] = [];
  const given = new Set<string>();
  const walk = (tree: SpecTree): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, node] of Object.entries(tree)) {
      if (node.kind === 'setting') {
        const s = node as Setting<unknown>;
        const present = s.names.filter((n) => env[n] !== undefined && env[n] !== '');
        const [first] = present;
        if (present.length > 1 && new Set(present.map((n) => env[n])).size > 1) {
          problems.push(`${present.join(' and ')} are the same setting and disagree; set only ${s.names[0]}`);
          continue;
        }
        try {
          const value = s.parse(first === undefined ? undefined : env[first]);
          out[key] = value;
          if (first !== undefined) given.add(s.names[0] ?? first);
          if (s.secret) collectStrings(s.secretValues ? s.secretValues(value) : value, secrets);
        } catch (err) {
          const label = first ?? s.names.join(' (or ') + (s.names.length > 1 ? ')' : '');
          problems.push(`${label}: ${(err as Error).message}`);
        }
      } else out[key] = walk(node as SpecTree);
    }
    return out;
  };
  const config = walk(spec) as Infer<S>;
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, secrets, given };
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') {
    if (value.length >= 4) into.push(value);
  } else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) collectStrings(v, into);
}

/** Flatten the tree into its settings, in declaration order (for docs and .env.example). */
export function listSettings(spec: SpecTree, path: string[] = []): Array<{ path: string[]; setting: Setting<unknown> }> {
  const out: Array<{ path: string[]; setting: Setting<unknown> }> = [];
  for (const [key, node] of Object.entries(spec)) {
    if (node.kind === 'setting') out.push({ path: [...path, key], setting: node as Setting<unknown> });
    else out.push(...listSettings(node as SpecTree, [...path, key]));
  }
  return out;
}
