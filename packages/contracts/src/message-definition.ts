import type { Static, TSchema } from 'typebox';
import type { JobData, JobName } from './catalogue.ts';

/** Flattened String attributes of an SQS message (internal and reserved names removed). */
export type Attributes = Record<string, string>;

export interface RouteTarget<P> {
  readonly job: JobName;
  /** Builds the job's data from the message payload; a throw dead-letters the message. */
  readonly map: (payload: P) => unknown;
}

export type RouteSpec<P> =
  | { readonly all: readonly RouteTarget<P>[] }
  | {
      /** Name of the sub-type field, for error messages (e.g. `eventName`). */
      readonly by: string;
      readonly select: (payload: P) => string;
      readonly cases: Readonly<Record<string, readonly RouteTarget<P>[]>>;
    };

export type TargetFactory<P> = <N extends JobName>(job: N, map: (payload: P) => JobData<N>) => RouteTarget<P>;

export interface MessageDefinition<T extends string = string, S extends TSchema = TSchema> {
  /** The type name: the whole body in the legacy format, `type` in the JSON format. */
  readonly type: T;
  readonly description: string;
  /** The canonical payload both envelope formats are mapped onto. */
  readonly schema: S;
  /** Legacy format: String attributes → payload candidate (validated afterwards). */
  readonly fromAttributes: (attributes: Attributes) => unknown;
  /** JSON format: `data` → payload candidate (validated afterwards). Default: `data` as is. */
  readonly fromJson: (data: unknown) => unknown;
  readonly routes: RouteSpec<Static<S>>;
}

export function defineMessage<const T extends string, S extends TSchema>(spec: {
  type: T;
  description: string;
  schema: S;
  fromAttributes?: (attributes: Attributes) => unknown;
  fromJson?: (data: unknown) => unknown;
  routes: (to: TargetFactory<Static<S>>) => RouteSpec<Static<S>>;
}): MessageDefinition<T, S> {
  const to: TargetFactory<Static<S>> = (job, map) => ({ job, map });
  return {
    type: spec.type,
    description: spec.description,
    schema: spec.schema,
    fromAttributes: spec.fromAttributes ?? ((attributes) => ({ ...attributes })),
    fromJson: spec.fromJson ?? ((data) => data),
    routes: spec.routes(to),
  };
}

export function routeTargets<P>(routes: RouteSpec<P>): readonly RouteTarget<P>[] {
  return 'all' in routes ? routes.all : Object.values(routes.cases).flat();
}
