import { type FakeExchange, sendJson, sseEvent, startSse, wordCount } from './fake-server';
import { chosenTool, FAKE_REPLY, fakePromptTokens } from './openai-fake';

export interface AnthropicFakeOptions {
  /** The key the fake accepts in `x-api-key`. */
  apiKey?: string;
  reply?: string;
  bench?: boolean;
  /** Reported as `cache_read_input_tokens` (Anthropic keeps it out of `input_tokens`). */
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

export const FAKE_TOOL_USE_ID = 'toolu_fake_1';
export const FAKE_TOOL_INPUT = { city: 'Paris' };

let sequence = 0;

function usageOf(body: any, options: AnthropicFakeOptions, outputTokens: number) {
  return {
    input_tokens: fakePromptTokens(body),
    output_tokens: outputTokens,
    cache_creation_input_tokens: options.cacheCreationInputTokens ?? 0,
    cache_read_input_tokens: options.cacheReadInputTokens ?? 0,
  };
}

/** `POST /v1/messages` as Anthropic answers it: a text reply, or a `tool_use` block. */
export function anthropicMessage(body: any, options: AnthropicFakeOptions) {
  const reply = options.reply ?? FAKE_REPLY;
  const tool = chosenTool(body);
  const content = tool
    ? [{ type: 'tool_use', id: FAKE_TOOL_USE_ID, name: tool, input: FAKE_TOOL_INPUT }]
    : [{ type: 'text', text: reply }];
  const output = tool ? wordCount(JSON.stringify(FAKE_TOOL_INPUT)) : wordCount(reply);
  return {
    id: `msg_fake${++sequence}`,
    type: 'message',
    role: 'assistant',
    model: body?.model,
    content,
    stop_reason: tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: usageOf(body, options, output),
  };
}

/**
 * The Messages stream: message_start (input usage), ping, one content block (text deltas per
 * word, or a tool_use block with two input_json_delta fragments), message_delta with the stop
 * reason and output tokens, message_stop. `hangStream` stops after message_start.
 */
export function writeAnthropicStream(ex: FakeExchange, options: AnthropicFakeOptions) {
  const message = anthropicMessage(ex.body, options);
  const send = (type: string, payload: object) => ex.res.write(sseEvent({ type, ...payload }, type));
  startSse(ex.res);
  const startUsage = { ...message.usage, output_tokens: 1 };
  send('message_start', { message: { ...message, content: [], stop_reason: null, usage: startUsage } });
  if (ex.behaviour === 'hangStream') return;
  send('ping', {});
  const block = message.content[0] as any;
  if (block.type === 'tool_use') {
    send('content_block_start', { index: 0, content_block: { ...block, input: {} } });
    const json = JSON.stringify(FAKE_TOOL_INPUT);
    const half = Math.floor(json.length / 2);
    for (const partial_json of [json.slice(0, half), json.slice(half)]) {
      send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } });
    }
  } else {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const text of (block.text as string).split(/(?=\s)/)) {
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    }
  }
  send('content_block_stop', { index: 0 });
  const delta = { stop_reason: message.stop_reason, stop_sequence: null };
  send('message_delta', { delta, usage: { output_tokens: message.usage.output_tokens } });
  send('message_stop', {});
  ex.res.end();
}

export const ANTHROPIC_ERRORS = {
  fail500: {
    status: 500,
    body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
  },
  fail429: {
    status: 429,
    body: {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your per-minute rate limit',
      },
    },
  },
  fail400: {
    status: 400,
    body: {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: at least one message is required' },
    },
  },
};

/** Checks what Anthropic checks first: the key, the version header, `max_tokens`, `messages`. */
export function rejectAnthropicRequest(ex: FakeExchange, apiKey: string): boolean {
  const error = (status: number, type: string, message: string) => {
    sendJson(ex.res, status, { type: 'error', error: { type, message } });
    return true;
  };
  // @anthropic-ai/sdk 1.x sends its key as `Authorization: Bearer`; the API takes either.
  const keyOk = ex.req.headers['x-api-key'] === apiKey || ex.req.headers.authorization === `Bearer ${apiKey}`;
  if (!keyOk) return error(401, 'authentication_error', 'invalid x-api-key');
  if (!ex.req.headers['anthropic-version']) {
    return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  }
  const body = ex.body;
  if (typeof body?.max_tokens !== 'number')
    return error(400, 'invalid_request_error', 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return error(400, 'invalid_request_error', 'messages: at least one message is required');
  }
  return false;
}
