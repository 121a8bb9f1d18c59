import type { ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics, Scrubber } from '@fable-jobs/runtime';
import { CobaltClient } from './clients/cobalt.ts';
import { MailchimpClient } from './clients/mailchimp.ts';
import { MainApiClient } from './clients/main-api.ts';
import { SlackWebhookClient, slackMessage } from './clients/slack.ts';
import { SmartLeadClient } from './clients/smartlead.ts';
import { providerAgent } from './http/outbound.ts';
import { ProviderHttp } from './http/provider-http.ts';
import { cobaltProcessors } from './processors/cobalt.ts';
import { planChangeProcessors } from './processors/plan-change.ts';
import { smartLeadProcessor } from './processors/smartlead-lead.ts';
import { integrationsSettings } from './settings.ts';
import { WebhookDeliveriesRepo } from './webhooks/deliveries-repo.ts';
import { DeliveryRecorder } from './webhooks/delivery-recorder.ts';
import { SafeSender } from './webhooks/safe-sender.ts';
import { TenantWebhooks } from './webhooks/tenant-webhook.ts';

export { INTEGRATIONS_ERROR_CODES } from '@fable-jobs/contracts';
export { subscriberHash } from './clients/mailchimp.ts';
export { slackMessage } from './clients/slack.ts';
export { AddressGuard, BlockedAddressError, specialRange } from './webhooks/address-guard.ts';
export { WebhookDeliveriesRepo, type DeliveryRow } from './webhooks/deliveries-repo.ts';
export { integrationSecret, signature, eventIdFor, stableUuid, EVENT_ID_HEADER, SIGNATURE_HEADER } from './webhooks/signing.ts';
export { renderJsonBody, renderHeaders, TemplateError } from './webhooks/template.ts';

export interface IntegrationsDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
  /** Removes configured secrets from delivery records (MySQL rows, main API log lines) as the runner does from failure reasons. */
  scrubber?: Scrubber | undefined;
}

export interface Integrations {
  processors: ProcessorMap<'integrations'>;
  /** Wait until every delivery attempt so far is recorded (rows and main API logs). */
  flush(): Promise<void>;
  /** Flush, then close the HTTP connection pools. */
  close(): Promise<void>;
}

/** The integrations pool: its processors and the clients they share. */
export function createIntegrations(deps: IntegrationsDeps): Integrations {
  const settings = integrationsSettings(deps.config);
  if (settings.webhookTestAllowlist.length > 0) {
    deps.log.warn({ allowlist: settings.webhookTestAllowlist, env: settings.env }, 'WEBHOOK_TEST_ALLOWLIST is set: tenant webhooks may reach these private addresses (tests only)');
  }
  const agent = providerAgent(settings.connectTimeoutMs);
  const http = new ProviderHttp(agent, { timeoutMs: settings.requestTimeoutMs });
  const mainApi = new MainApiClient(http, settings);
  const slack = new SlackWebhookClient(http, settings);
  const mailchimp = new MailchimpClient(http, settings);
  const cobalt = cobaltProcessors(new CobaltClient(http, settings));
  const smartLead = smartLeadProcessor(new SmartLeadClient(http, settings), settings);
  const plans = planChangeProcessors(mainApi);
  const sender = new SafeSender({
    allowHttp: settings.webhookAllowHttp,
    allowlist: settings.webhookTestAllowlist,
    connectTimeoutMs: settings.connectTimeoutMs,
    timeoutMs: settings.webhookTimeoutMs,
    maxResponseBytes: settings.webhookMaxResponseBytes,
    maxRedirects: settings.webhookMaxRedirects,
  });
  const scrubber = deps.scrubber;
  const recorder = new DeliveryRecorder(new WebhookDeliveriesRepo(deps.mysql), mainApi, deps.log, { scrub: scrubber ? (s) => scrubber.scrub(s) : undefined });
  const webhooks = new TenantWebhooks({ settings, mainApi, sender, recorder });

  const processors: ProcessorMap<'integrations'> = {
    'integrations.slack-notify': async (data, ctx) => {
      await slack.post(slackMessage(data.eventName, data.fields, settings.env), ctx.signal);
      return { eventName: data.eventName };
    },
    'integrations.mailchimp-upsert': (data, ctx) => mailchimp.upsertSignup(data, ctx.signal),
    'integrations.cobalt-linked-account': cobalt.linkedAccount,
    'integrations.cobalt-contact-refresh': cobalt.contactRefresh,
    'integrations.cobalt-demo-activity': cobalt.demoActivity,
    'integrations.smartlead-lead': smartLead,
    'integrations.tenant-webhook': (data, ctx) => webhooks.run(data, ctx),
    'integrations.plan-change': plans.planChange,
    'integrations.republish-demo': plans.republish,
  };
  return {
    processors,
    flush: () => recorder.flush(),
    async close() {
      await recorder.flush();
      await Promise.allSettled([agent.close(), sender.close()]);
    },
  };
}

/** Processors of the integrations pool (the worker binds them to the catalogue). */
export function createIntegrationsProcessors(deps: IntegrationsDeps): ProcessorMap<'integrations'> {
  return createIntegrations(deps).processors;
}
