import type { INestApplication } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './platform/common/errors/all-exceptions.filter';
import { RequestValidationPipe } from './platform/common/errors/validation.pipe';
import type { AppConfig, CorsConfig } from './platform/config/app-config';
import { APP_CONFIG } from './platform/config/config.module';
import { buildOpenApiDocument } from './openapi';
import { isJsonRequest, JSON_BODY_LIMIT_BYTES } from './platform/common/json-body';
import { installDirectRoutes } from './platform/http/direct-dispatch';
import { isOAuthTokenForm } from './platform/common/oauth-form-body';
import { routeAliases } from './platform/common/route-aliases';

/**
 * BigInt columns (tpm_limit, rpm_limit, ...) leave as JSON numbers, as LiteLLM shows them.
 * Beyond 2^53 a number would lose digits, so those (never seen in practice) leave as strings.
 */
export function installBigIntJson() {
  (BigInt.prototype as unknown as { toJSON(): number | string }).toJSON = function (this: bigint) {
    return this >= BigInt(Number.MIN_SAFE_INTEGER) && this <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(this)
      : this.toString();
  };
}

/**
 * Everything main.ts and the e2e tests share: CORS, body parsing, pipes, filters, Swagger, the
 * routes served in front of express. (Signals are main.ts's: it closes the app before it stops an
 * embedded database.)
 */
export function setupApp<T extends INestApplication>(app: T): T {
  installBigIntJson();
  const config = app.get<AppConfig>(APP_CONFIG);
  const http = app.getHttpAdapter().getInstance() as {
    disable?(setting: string): void;
    use?(fn: unknown): void;
  };
  http.disable?.('x-powered-by');
  // No ETag per answer (a SHA-1 of every body; LiteLLM sends none and no client revalidates these).
  http.disable?.('etag');
  const cors = corsOptions(config.cors);
  app.enableCors(cors);
  http.use?.(routeAliases);
  // Chat requests carry images as base64 data URLs: a few MB is ordinary (express's default is 100 kB).
  (app as unknown as NestExpressApplication).useBodyParser('json', {
    type: isJsonRequest,
    limit: JSON_BODY_LIMIT_BYTES,
  });
  // OAuth token requests are forms (MCP OAuth); no other route parses one.
  (app as unknown as NestExpressApplication).useBodyParser('urlencoded', {
    type: isOAuthTokenForm,
    extended: false,
    limit: '64kb',
  });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(new RequestValidationPipe());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    customSiteTitle: 'LiteLLM control plane',
    swaggerOptions: {
      deepLinking: true,
      persistAuthorization: config.swaggerPersistAuthorization,
    },
  });
  app
    .getHttpAdapter()
    .get('/docs-json', (_req: unknown, res: { json(body: unknown): void }) => res.json(document));
  installDirectRoutes(app, cors);
  return app;
}

/**
 * LiteLLM's CORS: every origin by default (as `*`, without credentials), or only the listed ones.
 * Preflights are answered before auth, for any method, echoing the headers the browser asks for.
 */
function corsOptions(cors: CorsConfig): CorsOptions {
  return {
    origin: cors.origins === '*' ? '*' : cors.origins,
    credentials: cors.allowCredentials,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  };
}
