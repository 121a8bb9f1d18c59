import type { Static, TSchema } from 'typebox';
import type { JobDefinition } from './job-definition.ts';
import { analyticsJobs } from './jobs/analytics.ts';
import { integrationsJobs } from './jobs/integrations.ts';
import { llmJobs } from './jobs/llm.ts';
import { mediaJobs } from './jobs/media.ts';
import { systemJobs } from './jobs/system.ts';
import type { Pool } from './pools.ts';

/** Every job of the fleet. Add a job by adding it to its domain's list. */
export const JOBS = [...systemJobs, ...mediaJobs, ...analyticsJobs, ...integrationsJobs, ...llmJobs] as const;

type AnyJob = (typeof JOBS)[number];
export type JobName = AnyJob['name'];
export type JobDef<N extends JobName> = Extract<AnyJob, { name: N }>;
export type JobData<N extends JobName> = JobDef<N> extends JobDefinition<string, Pool, infer S extends TSchema> ? Static<S> : never;
export type JobNamesOf<P extends Pool> = Extract<AnyJob, { pool: P }>['name'];
