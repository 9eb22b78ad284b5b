import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ApiBody, ApiBodyOptions } from '@nestjs/swagger';

/**
 * The example Swagger UI puts in "Try it out" for the handler's `@Body()` DTO. Without one, Swagger UI
 * fills every optional field with a placeholder ("string", additionalProp1, true), which the API
 * rightly refuses; this example is minimal and works as shown (or names a row the reader replaces
 * with their own). The body's type is read from the handler, so the document cannot name another.
 */
export const ApiBodyExample =
  (value: Record<string, unknown>, summary = 'Minimal request'): MethodDecorator =>
  (target, key, descriptor) => {
    // Parameter decorators and design:paramtypes are applied before method decorators.
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as Record<
      string,
      { index: number }
    >;
    const body = Object.entries(args).find(([id]) => id.split(':')[0] === String(RouteParamtypes.BODY));
    const types = (Reflect.getMetadata('design:paramtypes', target, key) ?? []) as unknown[];
    const type = body ? types[body[1].index] : undefined;
    if (typeof type !== 'function') {
      throw new Error(`@ApiBodyExample on ${String(key)}: the handler has no @Body() DTO`);
    }
    return ApiBody({ type, examples: { minimal: { summary, value } } } as ApiBodyOptions)(
      target,
      key,
      descriptor,
    );
  };
