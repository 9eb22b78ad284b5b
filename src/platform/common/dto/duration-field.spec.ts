import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { ApiError, RequestValidationError } from '../errors/api-error';
import { RequestValidationPipe } from '../errors/validation.pipe';
import { DurationField } from './duration-field';
import { OptionalNumber } from './fields';

class NestedBody {
  @DurationField('reset')
  budget_duration?: string | null;
}

class Body {
  @DurationField('expiry')
  duration?: string | null;
  @DurationField('reset')
  budget_duration?: string | null;
  @DurationField('interval')
  rotation_interval?: string | null;
  @OptionalNumber()
  max_budget?: number | null;
  @IsOptional()
  @ValidateNested()
  @Type(() => NestedBody)
  nested?: NestedBody | null;
}

describe('@DurationField', () => {
  const pipe = new RequestValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype: Body };
  const run = (body: Record<string, unknown>) => pipe.transform(body, meta);
  const failure = async (body: Record<string, unknown>) => {
    try {
      await run(body);
    } catch (e) {
      return e as ApiError;
    }
    throw new Error(`accepted ${JSON.stringify(body)}`);
  };

  it.each([
    { duration: '30d', budget_duration: '1mo', rotation_interval: '12h' },
    { duration: '-1' },
    { duration: '0s' },
    { duration: null, budget_duration: null, rotation_interval: null },
    { budget_duration: ' daily ' },
    { nested: { budget_duration: '7d' } },
    {},
  ])('should accept %j', async (body) => {
    await expect(run(body)).resolves.toBeInstanceOf(Body);
  });

  it.each([
    ['duration', '5x'],
    ['duration', '-5d'],
    ['budget_duration', 'soon'],
    ['budget_duration', '0d'],
    ['budget_duration', '2mo'],
    ['budget_duration', '-1'],
    ['budget_duration', ''],
    ['budget_duration', '99999999999999999999d'],
    ['rotation_interval', '0d'],
    ['rotation_interval', 'weekly-ish'],
  ])("should refuse %s '%s' with LiteLLM's 400 naming the field", async (field, value) => {
    const e = await failure({ [field]: value });
    expect(e).not.toBeInstanceOf(RequestValidationError);
    expect(e).toMatchObject({
      status: 400,
      type: 'bad_request_error',
      param: field,
      message: `Invalid ${field} '${value}'. Use a format like '1h', '24h', '7d', or '30d'.`,
    });
  });

  it('should name the field of a nested body', async () => {
    expect(await failure({ nested: { budget_duration: 'often' } })).toMatchObject({
      status: 400,
      param: 'budget_duration',
    });
  });

  it('should leave wrong types and too long strings to the 422, without the duration issue', async () => {
    for (const body of [
      { budget_duration: 30 },
      { duration: ['1d'] },
      { rotation_interval: '1'.repeat(40) + 'd' },
      { max_budget: 'lots', budget_duration: 'soon' },
    ]) {
      const e = await failure(body);
      expect(e).toBeInstanceOf(RequestValidationError);
      expect(e.status).toBe(422);
      expect((e as RequestValidationError).issues.map((i) => i.type)).not.toContain('isDuration');
    }
  });
});
