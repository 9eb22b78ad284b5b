import { ArgumentMetadata } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { RequestValidationPipe } from '../errors/validation.pipe';
import { AuditColumnsResponse } from './audit-columns';
import { LimitFieldsRequest } from './limit-fields';
import { OptionalString } from './fields';

class Base {
  @OptionalString()
  name?: string | null;
}

class Body extends LimitFieldsRequest(
  ['max_budget', 'budget_duration', 'max_parallel_requests', 'rpm_limit_type'],
  { max_parallel_requests: { maximum: 10 } },
  Base,
) {}

describe('LimitFieldsRequest', () => {
  const pipe = new RequestValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype: Body };
  const run = (body: Record<string, unknown>) => pipe.transform(body, meta) as Promise<Body>;
  const status = (body: Record<string, unknown>) =>
    run(body).then(
      () => 200,
      (e: ApiError) => e.status,
    );

  it('should keep only the picked fields and those of the base class', async () => {
    const body = await run({ name: 'a', max_budget: 5, tpm_limit: 7, rpm_limit_type: 'dynamic' });
    expect(body).toBeInstanceOf(Base);
    expect({ ...body }).toEqual({ name: 'a', max_budget: 5, rpm_limit_type: 'dynamic' });
  });

  it('should apply the shared rules', async () => {
    expect((await run({ max_budget: '' })).max_budget).toBeNull();
    expect(await status({ max_budget: 'lots' })).toBe(422);
    expect(await status({ rpm_limit_type: 'fast' })).toBe(422);
    expect(await status({ budget_duration: '2mo' })).toBe(400);
    expect(await status({ max_parallel_requests: 10 })).toBe(200);
    expect(await status({ max_parallel_requests: 11 })).toBe(422);
    expect(await status({ max_parallel_requests: 1.5 })).toBe(422);
  });
});

describe('AuditColumnsResponse', () => {
  it('should document the four columns with the nullability asked for', () => {
    class Row extends AuditColumnsResponse({ nullableActors: true, actorExample: 'admin' }) {}
    const doc = (key: string) =>
      Reflect.getMetadata('swagger/apiModelProperties', Row.prototype, key) as Record<string, unknown>;
    expect(Reflect.getMetadata('swagger/apiModelPropertiesArray', Row.prototype)).toEqual([
      ':created_at',
      ':created_by',
      ':updated_at',
      ':updated_by',
    ]);
    expect(doc('created_at')).toMatchObject({ format: 'date-time' });
    expect(doc('created_at').nullable).toBeUndefined();
    expect(doc('updated_by')).toMatchObject({ nullable: true, example: 'admin' });
  });
});
