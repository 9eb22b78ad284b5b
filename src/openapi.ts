import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { APP_VERSION } from './common/version';

export const BEARER_AUTH = 'bearer';
export const HEADER_AUTH = 'x-litellm-api-key';

/** The OpenAPI document served at /openapi.json and committed as openapi.json (CI checks drift). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('LiteLLM control plane')
    .setDescription(
      'Management API compatible with the LiteLLM proxy: virtual keys, users, teams, organizations, budgets and more. ' +
        'Authorize with the master key (`LITELLM_MASTER_KEY`) or a virtual key (`sk-...`). Errors use the envelope ' +
        '`{"error":{"message","type","param","code"}}`; body validation failures are 422 and also carry FastAPI\'s `detail` list.',
    )
    .setVersion(APP_VERSION)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'Master key or virtual key (sk-...)' },
      BEARER_AUTH,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'x-litellm-api-key',
        description: 'Takes precedence over Authorization',
      },
      HEADER_AUTH,
    )
    .addSecurityRequirements(BEARER_AUTH)
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
}
