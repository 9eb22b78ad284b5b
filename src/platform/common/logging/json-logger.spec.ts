import type { LogLevel } from './log-levels';
import { JsonLogger } from './json-logger';
import { requestContext } from './request-context';

describe('JsonLogger', () => {
  function capture(level: LogLevel) {
    const lines: string[] = [];
    const logger = new JsonLogger(level, (line) => lines.push(line));
    const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { logger, lines, entries };
  }

  it('should write one JSON object per line with time, level label, context, msg and the fields', () => {
    const { logger, lines, entries } = capture('info');
    logger.log({ msg: 'job done', job: 'budget_reset', rows: 3 }, 'SchedulerService');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [entry] = entries();
    expect(entry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      context: 'SchedulerService',
      msg: 'job done',
      job: 'budget_reset',
      rows: 3,
    });
  });

  it('should add the request id inside a request and leave it out elsewhere', () => {
    const { logger, entries } = capture('info');
    requestContext.run({ requestId: 'req-42' }, () => logger.warn('slow', 'http'));
    logger.warn('idle', 'http');
    expect(entries()).toMatchObject([
      { level: 'warn', msg: 'slow', request_id: 'req-42' },
      { level: 'warn', msg: 'idle' },
    ]);
    expect(entries()[1]).not.toHaveProperty('request_id');
  });

  it('should keep to LOG_LEVEL and demote Nest start-up lines to debug', () => {
    const atWarn = capture('warn');
    atWarn.logger.log('hidden', 'bootstrap');
    atWarn.logger.debug('hidden', 'bootstrap');
    atWarn.logger.error('shown', 'bootstrap');
    expect(atWarn.entries()).toMatchObject([{ level: 'error', msg: 'shown' }]);

    const atInfo = capture('info');
    atInfo.logger.log('Mapped {/key/generate, POST} route', 'RouterExplorer');
    expect(atInfo.lines).toEqual([]);

    const atDebug = capture('debug');
    atDebug.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    atDebug.logger.verbose('detail', 'bootstrap');
    expect(atDebug.entries()).toMatchObject([
      { level: 'debug', context: 'InstanceLoader', msg: 'AppModule dependencies initialized' },
      { level: 'debug', msg: 'detail' },
    ]);
  });

  it("should log an error's message and stack, as Nest passes them", () => {
    const { logger, entries } = capture('info');
    logger.error(new Error('boom'), 'ExceptionsHandler');
    logger.error('failed', 'Error: failed\n    at somewhere', 'ExceptionsHandler');
    expect(entries()).toMatchObject([
      {
        level: 'error',
        context: 'ExceptionsHandler',
        msg: 'boom',
        stack: expect.stringContaining('Error: boom'),
      },
      {
        level: 'error',
        context: 'ExceptionsHandler',
        msg: 'failed',
        stack: 'Error: failed\n    at somewhere',
      },
    ]);
  });

  it('should redact credentials that reach a logged object', () => {
    const { logger, lines, entries } = capture('info');
    logger.log(
      {
        msg: 'careless',
        key: 'sk-secret-1',
        api_key: 'sk-secret-2',
        master_key: 'sk-secret-3',
        authorization: 'Bearer sk-secret-4',
        'x-litellm-api-key': 'sk-secret-5',
        headers: { authorization: 'Bearer sk-secret-6', 'x-litellm-api-key': 'sk-secret-7', accept: '*/*' },
        req: { headers: { authorization: 'Bearer sk-secret-8' } },
        body: { key: 'sk-secret-10', api_key: 'sk-secret-11', models: [] },
        details: { key: 'sk-secret-9', rotated: 1 },
        key_alias: 'my-key',
      },
      'KeysService',
    );
    expect(lines.join('\n')).not.toMatch(/sk-secret/);
    expect(entries()[0]).toMatchObject({
      msg: 'careless',
      key: '[Redacted]',
      api_key: '[Redacted]',
      master_key: '[Redacted]',
      authorization: '[Redacted]',
      'x-litellm-api-key': '[Redacted]',
      headers: { authorization: '[Redacted]', 'x-litellm-api-key': '[Redacted]', accept: '*/*' },
      req: { headers: { authorization: '[Redacted]' } },
      body: { key: '[Redacted]', api_key: '[Redacted]', models: [] },
      details: { key: '[Redacted]', rotated: 1 },
      key_alias: 'my-key',
    });
  });

  it('should write bigints as strings', () => {
    const { logger, entries } = capture('info');
    logger.log({ msg: 'counted', rows: 12n, details: { spend_logs: [9007199254740993n] } }, 'job');
    expect(entries()[0]).toMatchObject({ rows: '12', details: { spend_logs: ['9007199254740993'] } });
  });
});
