import { type FakeExchange, sendJson, sseEvent, startSse, textOf, wordCount } from './fake-server';

/** Options shared by the OpenAI and Azure fakes. */
export interface OpenAIFakeOptions {
  /** The upstream key the fake accepts (OpenAI: `Authorization: Bearer`, Azure: `api-key`). */
  apiKey?: string;
  /** The assistant's reply; `completion_tokens` is its word count. */
  reply?: string;
  /** Fixed answers, no recording, no body parsing: for benchmarks. */
  bench?: boolean;
  /** Reported as `prompt_tokens_details.cached_tokens` (included in `prompt_tokens`). */
  cachedTokens?: number;
  /** `false`: never send a usage chunk, even when the request asks (an upstream without usage). */
  streamUsage?: boolean;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
}

export const FAKE_REPLY = 'This is a fake reply.';
/** A user message containing this word makes the fake call the first tool offered. */
export const TOOL_TRIGGER = 'call_tool';
export const FAKE_TOOL_CALL_ID = 'call_fake_1';
export const FAKE_TOOL_ARGUMENTS = '{"city":"Paris"}';
export const EMBEDDING_DIMENSIONS = 8;

/**
 * The fakes' prompt tokens: the words of every message, system prompt, and `input`/`instructions`
 * (Responses, embeddings), plus cached tokens. Tests compute expectations with it.
 */
export function fakePromptTokens(body: any, cachedTokens = 0): number {
  let text = textOf(body?.system) + ' ' + textOf(body?.instructions);
  for (const message of body?.messages ?? []) text += ' ' + textOf(message?.content);
  if (body?.input !== undefined) text += ' ' + textOf(body.input);
  return wordCount(text) + cachedTokens;
}

let sequence = 0;
const nextId = (prefix: string) => `${prefix}${++sequence}`;
const now = () => Math.floor(Date.now() / 1000);

/** The tool the fake calls, or undefined: tools offered and (tool_choice forces one or the trigger word). */
export function chosenTool(body: any): string | undefined {
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  if (tools.length === 0 || body.tool_choice === 'none') return undefined;
  const nameOf = (tool: any): string | undefined => tool?.function?.name ?? tool?.name;
  const forced = body.tool_choice?.function?.name ?? body.tool_choice?.name;
  if (forced) return forced;
  const messages: any[] = body.messages ?? [];
  const last = messages[messages.length - 1];
  const required = body.tool_choice === 'required' || body.tool_choice?.type === 'any';
  if (required || textOf(last?.content).includes(TOOL_TRIGGER)) return nameOf(tools[0]);
  return undefined;
}

function usageJson(body: any, options: OpenAIFakeOptions, reply: string) {
  const cached = options.cachedTokens ?? 0;
  const prompt = fakePromptTokens(body, cached);
  const completion = wordCount(reply);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/** A chat completion as OpenAI returns it: a reply, or a tool call when `chosenTool` says so. */
export function chatCompletion(body: any, options: OpenAIFakeOptions, model: string) {
  const reply = options.reply ?? FAKE_REPLY;
  const tool = chosenTool(body);
  const message = tool
    ? {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: FAKE_TOOL_CALL_ID,
            type: 'function',
            function: { name: tool, arguments: FAKE_TOOL_ARGUMENTS },
          },
        ],
        refusal: null,
      }
    : { role: 'assistant', content: reply, refusal: null, annotations: [] };
  return {
    id: nextId('chatcmpl-fake'),
    object: 'chat.completion',
    created: now(),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
    usage: usageJson(body, options, tool ? FAKE_TOOL_ARGUMENTS : reply),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/**
 * A chat completion stream as OpenAI sends it: a role chunk, one chunk per word (or tool call
 * fragments), a finish chunk, then, when `stream_options.include_usage`, a usage chunk with empty
 * choices (every other chunk then carries `"usage": null`), and `[DONE]`. `hangStream` stops
 * after the first chunk.
 */
export async function writeChatStream(ex: FakeExchange, options: OpenAIFakeOptions, model: string) {
  const body = ex.body;
  const reply = options.reply ?? FAKE_REPLY;
  const withUsage = body?.stream_options?.include_usage === true && options.streamUsage !== false;
  const id = nextId('chatcmpl-fake');
  const created = now();
  const chunk = (delta: object, finish: string | null) => {
    const payload: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    if (withUsage) payload.usage = null;
    return sseEvent(payload);
  };
  startSse(ex.res);
  ex.res.write(chunk({ role: 'assistant', content: '', refusal: null }, null));
  if (ex.behaviour === 'hangStream') return;
  const tool = chosenTool(body);
  if (tool) {
    const call = {
      index: 0,
      id: FAKE_TOOL_CALL_ID,
      type: 'function',
      function: { name: tool, arguments: '' },
    };
    ex.res.write(chunk({ tool_calls: [call] }, null));
    const half = Math.floor(FAKE_TOOL_ARGUMENTS.length / 2);
    for (const part of [FAKE_TOOL_ARGUMENTS.slice(0, half), FAKE_TOOL_ARGUMENTS.slice(half)]) {
      ex.res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null));
    }
  } else {
    for (const piece of reply.split(/(?=\s)/)) ex.res.write(chunk({ content: piece }, null));
  }
  ex.res.write(chunk({}, tool ? 'tool_calls' : 'stop'));
  if (withUsage) {
    const usage = usageJson(body, options, tool ? FAKE_TOOL_ARGUMENTS : reply);
    ex.res.write(sseEvent({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
  }
  ex.res.end(sseEvent('[DONE]'));
}

/** Embeddings: deterministic vectors; base64 (float32 little-endian) when asked, as the SDK does. */
export function embeddingsResponse(body: any, model: string) {
  const inputs: unknown[] =
    Array.isArray(body?.input) && typeof body.input[0] !== 'number' ? body.input : [body?.input];
  const data = inputs.map((input, index) => {
    const seed = wordCount(textOf(input)) + index + 1;
    const vector = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => ((seed * (i + 1)) % 10) / 10);
    const embedding =
      body?.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
    return { object: 'embedding', index, embedding };
  });
  const prompt = wordCount(inputs.map(textOf).join(' '));
  return { object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
}

export function modelsResponse(models: string[]) {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
  };
}

/** The error bodies OpenAI sends (Azure's have the same `error` envelope). */
export const OPENAI_ERRORS = {
  fail500: {
    status: 500,
    body: {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
  fail429: {
    status: 429,
    body: {
      error: {
        message: 'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  fail400: {
    status: 400,
    body: {
      error: {
        message: "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'empty_array',
      },
    },
  },
};

/**
 * Applies the exchange's behaviour before a normal answer: waits when `slow`, answers the error
 * for `fail*`, swallows a JSON call for `hangStream`. True when the request is dealt with.
 */
export async function applyBehaviour(ex: FakeExchange, errors: typeof OPENAI_ERRORS, stream: boolean) {
  const behaviour = ex.behaviour;
  if (typeof behaviour === 'object') await ex.sleep(behaviour.slow);
  else if (behaviour === 'hangStream') return !stream;
  else if (behaviour !== 'ok') {
    const error = errors[behaviour];
    sendJson(ex.res, error.status, error.body, behaviour === 'fail429' ? { 'retry-after': '1' } : {});
    return true;
  }
  return false;
}
