import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { RequestValidationPipe } from './common/errors/validation.pipe';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG } from './config/config.module';
import { buildOpenApiDocument } from './openapi';
import { routeAliases } from './common/route-aliases';

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

/** Everything main.ts and the e2e tests share: pipes, filters, Swagger, shutdown hooks. */
export function setupApp<T extends INestApplication>(app: T): T {
  installBigIntJson();
  const http = app.getHttpAdapter().getInstance() as {
    disable?(setting: string): void;
    use?(fn: unknown): void;
  };
  http.disable?.('x-powered-by');
  http.use?.(routeAliases);
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(new RequestValidationPipe());
  app.enableShutdownHooks();
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    customSiteTitle: 'LiteLLM control plane',
    swaggerOptions: {
      deepLinking: true,
      persistAuthorization: app.get<AppConfig>(APP_CONFIG).swaggerPersistAuthorization,
    },
  });
  app
    .getHttpAdapter()
    .get('/docs-json', (_req: unknown, res: { json(body: unknown): void }) => res.json(document));
  return app;
}
