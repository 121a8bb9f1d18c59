// Fakes and fixtures of the llm domain: Anthropic, OpenAI speech, Slack, an Auth0-like JWKS
// issuer and the main API server's llm endpoints, each speaking its real wire format.
export * from './llm/anthropic.ts';
export { LlmFakeHttpServer, type LlmRecordedRequest } from './llm/http.ts';
export * from './llm/jwks-issuer.ts';
export * from './llm/main-api.ts';
export * from './llm/openai.ts';
export * from './llm/slack.ts';
