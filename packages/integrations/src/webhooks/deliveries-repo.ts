import type { Knex } from '@fable-jobs/db';

export interface DeliveryRecord {
  eventId: string;
  attempt: number;
  jobId: string;
  integrationId: string;
  orgId?: number | undefined;
  platform?: string | undefined;
  event: string;
  /** Already redacted. */
  url?: string | undefined;
  /** Already masked. */
  requestHeaders?: Record<string, string> | undefined;
  requestBody?: string | undefined;
  status: 'success' | 'failed';
  httpStatus?: number | undefined;
  willRetry: boolean;
  errorCode?: string | undefined;
  reason?: string | undefined;
  responseBody?: string | undefined;
  durationMs?: number | undefined;
}

export interface DeliveryRow {
  event_id: string;
  attempt: number;
  job_id: string;
  integration_id: string;
  org_id: number | null;
  platform: string | null;
  event: string;
  url: string | null;
  request_headers: Record<string, string> | string | null;
  request_body: string | null;
  status: 'success' | 'failed';
  http_status: number | null;
  will_retry: number | boolean;
  error_code: string | null;
  reason: string | null;
  response_body: string | null;
  duration_ms: number | null;
  created_at: Date;
}

/** The local record of tenant webhook deliveries (`webhook_deliveries`), one row per attempt. */
export class WebhookDeliveriesRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  /** Insert, or overwrite the same attempt (a stalled attempt that ran again). */
  async record(d: DeliveryRecord): Promise<void> {
    await this.recordMany([d]);
  }

  /** One INSERT for many attempts. */
  async recordMany(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#knex('webhook_deliveries').insert(records.map(toRow)).onConflict(['event_id', 'attempt']).merge();
  }

  async forEvent(eventId: string): Promise<DeliveryRow[]> {
    return this.#knex('webhook_deliveries').where({ event_id: eventId }).orderBy('attempt');
  }

  async forIntegration(integrationId: string): Promise<DeliveryRow[]> {
    return this.#knex('webhook_deliveries').where({ integration_id: integrationId }).orderBy(['created_at', 'attempt']);
  }
}

function toRow(d: DeliveryRecord) {
  return {
    event_id: d.eventId,
    attempt: d.attempt,
    job_id: d.jobId,
    integration_id: d.integrationId,
    org_id: d.orgId ?? null,
    platform: d.platform ?? null,
    event: d.event.slice(0, 128),
    url: d.url?.slice(0, 2048) ?? null,
    request_headers: d.requestHeaders ? JSON.stringify(d.requestHeaders) : null,
    request_body: d.requestBody ?? null,
    status: d.status,
    http_status: d.httpStatus ?? null,
    will_retry: d.willRetry,
    error_code: d.errorCode?.slice(0, 64) ?? null,
    reason: d.reason ?? null,
    response_body: d.responseBody ?? null,
    duration_ms: d.durationMs ?? null,
  };
}
