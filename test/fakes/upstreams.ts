import {
  ANTHROPIC_ERRORS,
  anthropicMessage,
  type AnthropicFakeOptions,
  rejectAnthropicRequest,
  writeAnthropicStream,
} from './anthropic-fake';
import { type FakeExchange, type FakeUpstream, sendJson, startFakeServer } from './fake-server';
import {
  applyBehaviour,
  chatCompletion,
  embeddingsResponse,
  modelsResponse,
  OPENAI_ERRORS,
  type OpenAIFakeOptions,
  writeChatStream,
} from './openai-fake';
import { writeResponses } from './responses-fake';

export type { Behaviour, FakeUpstream, RecordedRequest } from './fake-server';
export { refusedUrl } from './fake-server';
export type { AnthropicFakeOptions } from './anthropic-fake';
export type { OpenAIFakeOptions } from './openai-fake';
export { FAKE_TOOL_INPUT, FAKE_TOOL_USE_ID } from './anthropic-fake';
export {
  EMBEDDING_DIMENSIONS,
  FAKE_REPLY,
  FAKE_TOOL_ARGUMENTS,
  FAKE_TOOL_CALL_ID,
  fakePromptTokens,
  TOOL_TRIGGER,
} from './openai-fake';

export const FAKE_OPENAI_KEY = 'sk-fake-openai-key';
export const FAKE_AZURE_KEY = 'fake-azure-api-key';
export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake-key';

/**
 * A fake OpenAI API. `url` ends in `/v1`, like `https://api.openai.com/v1`, so it is the
 * deployment's `api_base`. Serves chat completions (JSON and SSE), embeddings, `GET /models` and
 * the Responses API; checks `Authorization: Bearer <apiKey>` and answers a wrong key with a 401
 * that echoes the key it got, in full (so tests can check the gateway never passes it on).
 */
export function startFakeOpenAI(options: OpenAIFakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_OPENAI_KEY;
  const bench = options.bench ? benchAnswers() : undefined;
  return startFakeServer(
    async (ex) => {
      if (ex.req.headers.authorization !== `Bearer ${apiKey}`) return wrongOpenAIKey(ex);
      if (bench && ex.path === '/v1/chat/completions') return bench(ex);
      const stream = ex.body?.stream === true;
      if (await applyBehaviour(ex, OPENAI_ERRORS, stream)) return;
      const model = String(ex.body?.model ?? 'gpt-fake');
      const route = `${ex.req.method} ${ex.path}`;
      if (route === 'POST /v1/chat/completions') {
        if (!ex.body?.model) return openAIBadRequest(ex, 'you must provide a model parameter', 'model');
        if (!Array.isArray(ex.body.messages))
          return openAIBadRequest(ex, "'messages' is required", 'messages');
        if (stream) return writeChatStream(ex, options, model);
        return sendJson(ex.res, 200, chatCompletion(ex.body, options, model));
      }
      if (route === 'POST /v1/embeddings') return sendJson(ex.res, 200, embeddingsResponse(ex.body, model));
      if (route === 'POST /v1/responses') return writeResponses(ex, options, model);
      if (route === 'GET /v1/models')
        return sendJson(ex.res, 200, modelsResponse(options.models ?? ['gpt-fake']));
      sendJson(ex.res, 404, {
        error: { message: `Invalid URL (${route})`, type: 'invalid_request_error', param: null, code: null },
      });
    },
    { bench: options.bench, basePath: '/v1' },
  );
}

/**
 * A fake Azure OpenAI resource; `url` is the `api_base`. Chat and embeddings at
 * `/openai/deployments/{deployment}/...`, the Responses API at `/openai/responses`; every call needs
 * `?api-version=` (else 404, as Azure) and the key in `api-key`. Responses name the deployment as
 * the model.
 */
export function startFakeAzure(options: OpenAIFakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_AZURE_KEY;
  const bench = options.bench ? benchAnswers() : undefined;
  return startFakeServer(
    async (ex) => {
      if (ex.req.headers['api-key'] !== apiKey) {
        return sendJson(ex.res, 401, {
          error: {
            code: '401',
            message: 'Access denied due to invalid subscription key or wrong API endpoint.',
          },
        });
      }
      if (!ex.query.get('api-version')) {
        return sendJson(ex.res, 404, { error: { code: '404', message: 'Resource not found' } });
      }
      const match = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(ex.path);
      if (bench && match?.[2] === 'chat/completions') return bench(ex);
      const stream = ex.body?.stream === true;
      if (await applyBehaviour(ex, OPENAI_ERRORS, stream)) return;
      if (ex.req.method === 'POST' && match) {
        const deployment = decodeURIComponent(match[1]);
        if (match[2] === 'embeddings') return sendJson(ex.res, 200, embeddingsResponse(ex.body, deployment));
        if (stream) return writeChatStream(ex, options, deployment);
        return sendJson(ex.res, 200, chatCompletion(ex.body, options, deployment));
      }
      if (ex.req.method === 'POST' && ex.path === '/openai/responses') {
        return writeResponses(ex, options, String(ex.body?.model ?? 'gpt-fake'));
      }
      sendJson(ex.res, 404, { error: { code: '404', message: 'Resource not found' } });
    },
    { bench: options.bench },
  );
}

/**
 * A fake Anthropic API; `url` is the `api_base` (the adapter adds `/v1/messages`). Checks the
 * key (`x-api-key`, or `Authorization: Bearer` as @anthropic-ai/sdk 1.x sends it) and
 * `anthropic-version`, requires `max_tokens`, answers JSON or the SSE event
 * sequence, with `tool_use` blocks when a tool is forced or the trigger word is used.
 */
export function startFakeAnthropic(options: AnthropicFakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_ANTHROPIC_KEY;
  const bench = options.bench ? anthropicBenchAnswers() : undefined;
  return startFakeServer(
    async (ex) => {
      if (bench && ex.path === '/v1/messages') return bench(ex);
      if (ex.req.method !== 'POST' || ex.path !== '/v1/messages') {
        return sendJson(ex.res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: 'Not found' },
        });
      }
      if (rejectAnthropicRequest(ex, apiKey)) return;
      const stream = ex.body.stream === true;
      if (await applyBehaviour(ex, ANTHROPIC_ERRORS as unknown as typeof OPENAI_ERRORS, stream)) return;
      if (stream) return writeAnthropicStream(ex, options);
      sendJson(ex.res, 200, anthropicMessage(ex.body, options));
    },
    { bench: options.bench },
  );
}

function wrongOpenAIKey(ex: FakeExchange) {
  const given = String(ex.req.headers.authorization ?? '').replace(/^Bearer /, '');
  sendJson(ex.res, 401, {
    error: {
      message: `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  });
}

function openAIBadRequest(ex: FakeExchange, message: string, param: string) {
  sendJson(ex.res, 400, { error: { message, type: 'invalid_request_error', param, code: null } });
}

const isStream = (raw: string) => raw.includes('"stream":true') || raw.includes('"stream": true');

/** Bench mode: the same bytes for every call, built once; no parsing beyond spotting `stream`. */
function benchAnswers() {
  const body = {
    model: 'gpt-fake',
    messages: [{ role: 'user', content: 'hello' }],
    stream_options: { include_usage: true },
  };
  const json = JSON.stringify(chatCompletion(body, {}, 'gpt-fake'));
  const sse = captureStream((ex) => writeChatStream(ex, {}, 'gpt-fake'), body);
  return (ex: FakeExchange) => sendFixed(ex, isStream(ex.raw) ? sse : json, isStream(ex.raw));
}

function anthropicBenchAnswers() {
  const body = { model: 'claude-fake', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] };
  const json = JSON.stringify(anthropicMessage(body, {}));
  const sse = captureStream((ex) => writeAnthropicStream(ex, {}), body);
  return (ex: FakeExchange) => sendFixed(ex, isStream(ex.raw) ? sse : json, isStream(ex.raw));
}

function sendFixed(ex: FakeExchange, text: string, stream: boolean) {
  ex.res.writeHead(200, {
    'content-type': stream ? 'text/event-stream' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  ex.res.end(text);
}

/** Runs a stream writer against a recording response, to keep its bytes. */
function captureStream(write: (ex: FakeExchange) => unknown, body: unknown): string {
  let text = '';
  const res = {
    writeHead: () => res,
    write: (chunk: string) => ((text += chunk), true),
    end: (chunk?: string) => {
      if (chunk) text += chunk;
    },
  };
  void write({ res, body, behaviour: 'ok' } as unknown as FakeExchange);
  return text;
}
