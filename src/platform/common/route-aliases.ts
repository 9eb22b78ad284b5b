import type { NextFunction, Request, Response } from 'express';

/**
 * LiteLLM serves some routes under a second prefix. Rather than a second controller per alias
 * (and a second copy of every handler), the alias is rewritten to the documented path before
 * routing, so guards, validation and handlers see one route. Aliases stay out of the API docs.
 */
const ALIASES: [alias: string, canonical: string][] = [
  ['/end_user/', '/customer/'],
  ['/v1/unified_access_group', '/v1/access_group'],
];

export function routeAliases(req: Request, _res: Response, next: NextFunction) {
  for (const [alias, canonical] of ALIASES) {
    if (req.url.startsWith(alias) && (alias.endsWith('/') || /^[/?]|^$/.test(req.url.slice(alias.length)))) {
      req.url = canonical + req.url.slice(alias.length);
      break;
    }
  }
  next();
}
