import { analytics } from './sections/analytics.ts';
import { api } from './sections/api.ts';
import { bridge } from './sections/bridge.ts';
import { app, aws, mysql, postgres, redis, s3, sqs } from './sections/core.ts';
import { integrations } from './sections/integrations.ts';
import { llm } from './sections/llm.ts';
import { media } from './sections/media.ts';
import { telemetry } from './sections/telemetry.ts';
import { worker } from './sections/worker.ts';
import type { Infer } from './define.ts';

/** The whole environment schema; `.env.example` is generated from it (`npm run gen`). */
export const CONFIG_SPEC = { app, redis, mysql, postgres, aws, sqs, s3, bridge, worker, api, media, analytics, integrations, llm, telemetry };
export type Config = Infer<typeof CONFIG_SPEC>;
