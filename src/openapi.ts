import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import {
  DocumentBuilder,
  getSchemaPath,
  OpenAPIObject,
  OperationObject,
  ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { IS_PUBLIC } from './platform/auth/decorators';
import { ErrorResponse, ValidationErrorResponse } from './platform/common/errors/error-response.dto';
import { APP_VERSION } from './platform/common/version';

export const BEARER_AUTH = 'bearer';
export const HEADER_AUTH = 'x-litellm-api-key';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

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
  // addBearerAuth always adds `bearerFormat: JWT`; our keys are opaque `sk-...` strings, not JWTs.
  const bearer = config.components?.securitySchemes?.[BEARER_AUTH];
  if (bearer && 'bearerFormat' in bearer) delete bearer.bearerFormat;
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
    extraModels: [ErrorResponse, ValidationErrorResponse],
  });
  addCommonErrors(document, publicHandlers(app));
  describeExampleOnlyResponses(document);
  return document;
}

type Schema = Record<string, unknown>;

/**
 * A response declared only by an `example` gets the schema that example shows (types and
 * properties), so Swagger UI's Schema tab and client generators see fields and not just a sample.
 * The example stays the response's example; DTO classes remain the better way to describe one.
 */
function describeExampleOnlyResponses(document: OpenAPIObject) {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      for (const response of Object.values(operation?.responses ?? {}) as ResponseObject[]) {
        for (const media of Object.values(response.content ?? {})) {
          const schema = media.schema as Schema | undefined;
          if (!schema || schema.example === undefined) continue;
          if (['$ref', 'type', 'properties', 'allOf', 'oneOf', 'anyOf'].some((k) => k in schema)) continue;
          media.schema = { ...schemaOfExample(schema.example), example: schema.example };
        }
      }
    }
  }
}

function schemaOfExample(value: unknown): Schema {
  if (value === null) return { nullable: true };
  if (Array.isArray(value)) return { type: 'array', items: value.length ? schemaOfExample(value[0]) : {} };
  switch (typeof value) {
    case 'string':
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)
        ? { type: 'string', format: 'date-time' }
        : { type: 'string' };
    case 'number':
      return { type: 'number' }; // 0 in an example may well be a float elsewhere
    case 'boolean':
      return { type: 'boolean' };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, schemaOfExample(v)]),
        ),
      };
    default:
      return {};
  }
}

/**
 * What every operation can answer besides its own errors: 422 (the unsafe-input middleware and the
 * validation pipe see every request), and on authenticated routes 401 (no or unknown key) and 403
 * (the route gate or the key's allowed_routes). Authenticated routes take either credential header;
 * public routes need none: `security: []`.
 */
function addCommonErrors(document: OpenAPIObject, publicOperationIds: Set<string>) {
  const envelope = (description: string, schema = ErrorResponse): ResponseObject => ({
    description,
    content: { 'application/json': { schema: { $ref: getSchemaPath(schema) } } },
  });
  for (const pathItem of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const isPublic = operation.operationId !== undefined && publicOperationIds.has(operation.operationId);
      const common: Record<string, ResponseObject> = {
        '422': envelope(
          "Invalid input: the envelope plus FastAPI's `detail` list naming each field",
          ValidationErrorResponse,
        ),
      };
      if (isPublic) {
        operation.security = [];
      } else {
        // Either header authenticates (x-litellm-api-key wins), so Swagger UI sends whichever was authorized.
        operation.security = [{ [BEARER_AUTH]: [] }, { [HEADER_AUTH]: [] }];
        common['401'] = envelope('No credential, or an unknown, expired or blocked key');
        common['403'] = envelope("The caller's role or the key's allowed routes do not include this route");
      }
      const responses = { ...common, ...operation.responses } as Record<string, ResponseObject>;
      operation.responses = Object.fromEntries(
        Object.keys(responses)
          .sort()
          .map((status) => [status, responses[status]]),
      );
    }
  }
}

/** operationIds (= method names) of the handlers marked `@Public()`, on the method or its controller. */
function publicHandlers(app: INestApplication): Set<string> {
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller?.prototype) continue;
      const classIsPublic = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler: unknown = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value;
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined)
          continue;
        if (classIsPublic || Reflect.getMetadata(IS_PUBLIC, handler) === true) ids.add(name);
      }
    }
  }
  return ids;
}
