import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import cors from 'cors';
import { AuthService } from '../auth/auth.service';
import { extractCredential } from '../auth/credentials';
import { checkRouteAccess } from '../auth/route-permissions';
import { sendError } from '../common/errors/all-exceptions.filter';
import { unsafeInputError } from '../common/errors/unsafe-input';
import { readJsonBody } from '../common/json-body';
import { requestContext } from '../common/logging/request-context';
import { beginRequest } from '../common/logging/request-logging.middleware';
import { type DirectRoute, DirectRoutes } from './direct-routes';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts the direct routes in front of express on the app's HTTP server: a request whose method and
 * path have a registered handler is served by it, every other request goes to express unchanged.
 * Call once, after the app is created and before it listens.
 */
export function installDirectRoutes(app: INestApplication, corsOptions: CorsOptions) {
  const routes = app.get(DirectRoutes);
  const auth = app.get(AuthService);
  const server = app.getHttpServer() as Server;
  const [express] = server.listeners('request') as RequestListener[];
  const applyCors = cors(corsOptions);
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const route = routes.routeFor(req.method, path);
    if (!route) return express(req, res);
    applyCors(req, res, () => {
      const requestId = beginRequest(req, res, path);
      requestContext.run({ requestId }, () => {
        serve(route, auth, req, res, path, q === -1 ? '' : url.slice(q + 1)).catch((error: unknown) =>
          sendError(res, error),
        );
      });
    });
  });
}

/** What express, the middleware and the guard do before a controller runs, in their order. */
async function serve(
  route: DirectRoute,
  auth: AuthService,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  queryString: string,
) {
  const body = await readJsonBody(req);
  const query = queryString === '' ? {} : Object.fromEntries(new URLSearchParams(queryString));
  const unsafe = unsafeInputError(body, query);
  if (unsafe) throw unsafe;
  const ip = req.socket.remoteAddress;
  if (!route.guarded) return route.handler({ req, res, path, body, ip });
  const object = body as Record<string, unknown>;
  const caller = await auth.authenticate(extractCredential(req.headers));
  await checkRouteAccess(caller, { method: req.method ?? 'POST', path, body: object, query }, auth);
  await route.handler({ req, res, path, auth: caller, body: object, ip });
}
