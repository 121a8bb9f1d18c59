// Fakes and fixtures of the integrations domain (owned by its pool's tests).
export { RecordingServer as IntegrationsFakeServer, type RecordedRequest as FakeHttpRequest, type FakeResponse as FakeHttpResponse, type Matcher as FakeHttpMatcher } from './integrations/recording-server.ts';
export { FakeSlackWebhook } from './integrations/slack.ts';
export { FakeMailchimp, type FakeMailchimpMember } from './integrations/mailchimp.ts';
export { FakeCobalt } from './integrations/cobalt.ts';
export { FakeSmartLead, type FakeCampaign } from './integrations/smartlead.ts';
export { FakeZapier } from './integrations/zapier.ts';
export { FakeTenantEndpoint } from './integrations/tenant-endpoint.ts';
export { FakeMainApi, type FakeDemo, type FakeTenantIntegration } from './integrations/main-api.ts';
