import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { JOBS, type JobName } from './catalogue.ts';
import type { Envelope } from './envelope.ts';
import { JOB_NAME_PATTERN, type AnyJobDefinition } from './job-definition.ts';
import { routeTargets, type MessageDefinition } from './message-definition.ts';
import { MESSAGES } from './messages/index.ts';
import type { Pool } from './pools.ts';
import { fail, ok, type Result } from './result.ts';
import { isRecord } from './util.ts';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

export interface RoutedJob {
  name: JobName;
  data: Record<string, unknown>;
}

export interface RoutedMessage {
  type: string;
  payload: unknown;
  jobs: RoutedJob[];
}

/** Reserved key in job data for where the job came from (see JobMeta); never in a schema. */
export const META_KEY = '_meta';

/** Up to `max` readable `path: problem` lines from a validator's errors. */
function describeErrors(validator: Validator, value: unknown, max = 3): string {
  const seen = new Set<string>();
  for (const e of validator.Errors(value)) {
    if (e.keyword === 'boolean') continue; // "schema is false": repeated by the more useful error
    const line = `${e.instancePath || '/'}: ${e.message}`;
    seen.add(line);
    if (seen.size >= max) break;
  }
  return [...seen].join('; ') || 'does not match the schema';
}

/**
 * The catalogue, checked: throws at start-up on a duplicate name, a malformed job name, or a
 * route to a job that does not exist. Compiles every schema once.
 */
export class Registry {
  readonly #jobs = new Map<string, { def: AnyJobDefinition; validator: Validator }>();
  readonly #messages = new Map<string, { def: MessageDefinition; validator: Validator }>();

  constructor(jobs: readonly AnyJobDefinition[], messages: readonly MessageDefinition[]) {
    for (const def of jobs) {
      if (!JOB_NAME_PATTERN.test(def.name)) throw new RegistryError(`job name "${def.name}" must look like domain.action (lower case, no ":")`);
      if (this.#jobs.has(def.name)) throw new RegistryError(`job "${def.name}" is declared twice`);
      if (def.attempts < 1) throw new RegistryError(`job "${def.name}": attempts must be >= 1`);
      this.#jobs.set(def.name, { def, validator: Compile(def.schema) });
    }
    for (const def of messages) {
      if (this.#messages.has(def.type)) throw new RegistryError(`message type "${def.type}" is declared twice`);
      for (const target of routeTargets(def.routes)) {
        if (!this.#jobs.has(target.job)) throw new RegistryError(`message type "${def.type}" routes to unknown job "${target.job}"`);
      }
      if ('cases' in def.routes) {
        for (const [sub, targets] of Object.entries(def.routes.cases)) {
          if (targets.length === 0) throw new RegistryError(`message type "${def.type}" case "${sub}" routes to no job`);
        }
      } else if (def.routes.all.length === 0) throw new RegistryError(`message type "${def.type}" routes to no job`);
      this.#messages.set(def.type, { def, validator: Compile(def.schema) });
    }
  }

  jobs(): AnyJobDefinition[] {
    return [...this.#jobs.values()].map((j) => j.def);
  }

  jobsOfPool(pool: Pool): AnyJobDefinition[] {
    return this.jobs().filter((j) => j.pool === pool);
  }

  hasJob(name: string): name is JobName {
    return this.#jobs.has(name);
  }

  job(name: string): AnyJobDefinition {
    const entry = this.#jobs.get(name);
    if (!entry) throw new RegistryError(`unknown job "${name}"`);
    return entry.def;
  }

  messages(): MessageDefinition[] {
    return [...this.#messages.values()].map((m) => m.def);
  }

  message(type: string): MessageDefinition | undefined {
    return this.#messages.get(type)?.def;
  }

  /** Check job data against its schema (the `_meta` key is not part of it). */
  validateJob(name: string, data: unknown): Result<void> {
    const entry = this.#jobs.get(name);
    if (!entry) return fail('JOB_NO_PROCESSOR', `unknown job "${name}"`);
    let payload = data;
    if (isRecord(data) && META_KEY in data) {
      const { [META_KEY]: _meta, ...rest } = data;
      payload = rest;
    }
    if (entry.validator.Check(payload)) return ok(undefined);
    return fail('JOB_INVALID_DATA', `${name}: ${describeErrors(entry.validator, payload)}`);
  }

  /** Envelope → validated payload → the jobs it maps to, each validated. */
  route(envelope: Envelope): Result<RoutedMessage> {
    const entry = this.#messages.get(envelope.type);
    if (!entry) return fail('BRIDGE_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(envelope.type.slice(0, 128))}`);
    const { def, validator } = entry;
    let payload: unknown;
    try {
      payload = envelope.format === 'legacy' ? def.fromAttributes(envelope.data as Record<string, string>) : def.fromJson(envelope.data);
    } catch (err) {
      return fail('BRIDGE_SCHEMA_INVALID', `${def.type}: ${(err as Error).message}`);
    }
    if (isRecord(payload) && META_KEY in payload) return fail('BRIDGE_SCHEMA_INVALID', `${def.type}: "${META_KEY}" is a reserved field`);
    if (!validator.Check(payload)) return fail('BRIDGE_SCHEMA_INVALID', `${def.type}: ${describeErrors(validator, payload)}`);

    let targets;
    if ('all' in def.routes) targets = def.routes.all;
    else {
      const sub = def.routes.select(payload);
      targets = Object.hasOwn(def.routes.cases, sub) ? def.routes.cases[sub] : undefined;
      if (!targets) {
        const known = Object.keys(def.routes.cases).join(', ');
        return fail('BRIDGE_UNKNOWN_SUBTYPE', `${def.type}: unknown ${def.routes.by} ${JSON.stringify(String(sub).slice(0, 128))} (known: ${known})`);
      }
    }

    const jobs: RoutedJob[] = [];
    for (const target of targets) {
      let data: unknown;
      try {
        data = target.map(payload);
      } catch (err) {
        return fail('BRIDGE_ROUTE_FAILED', `${def.type} → ${target.job}: ${(err as Error).message}`);
      }
      const checked = this.validateJob(target.job, data);
      if (!checked.ok) return fail('BRIDGE_JOB_INVALID', `${def.type} → ${checked.reason}`);
      jobs.push({ name: target.job, data: data as Record<string, unknown> });
    }
    return ok({ type: def.type, payload, jobs });
  }
}

/** The fleet's registry; importing it checks the catalogue. */
export const registry = new Registry(JOBS as unknown as readonly AnyJobDefinition[], MESSAGES as unknown as readonly MessageDefinition[]);
