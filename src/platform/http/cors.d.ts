// The `cors` package (express's CORS middleware, which Nest's enableCors uses) ships no types; this
// is the one signature we call.
declare module 'cors' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

  function cors(
    options: CorsOptions,
  ): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  export = cors;
}
