import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document (`/docs/json`) and its UI (`/docs`), built from the route schemas
 * (the same TypeBox definitions the routes validate with). Called on the root instance (not
 * registered as a plugin) before the routes, so swagger sees every route.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Fable Jobs API', version: '1', description: 'LLM operations, voice-overs and Slack hooks of the Fable platform. Errors use the ApiResp envelope.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '`Bearer <orgId>:<jwt>` (Auth0 access token; the org prefix is optional).' } } },
      security: [{ bearer: [] }],
    },
    // The product routes only (the dashboard and ops endpoints have their own docs).
    transform: ({ schema, url }) => ({ schema: url.startsWith('/v1/f/') && !url.startsWith('/v1/f/slack') ? schema : { ...schema, hide: true }, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
