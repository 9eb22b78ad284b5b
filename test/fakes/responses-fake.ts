import { type FakeExchange, sendJson, sseEvent, startSse, wordCount } from './fake-server';
import { FAKE_REPLY, fakePromptTokens, type OpenAIFakeOptions } from './openai-fake';

let sequence = 0;

function responseObject(body: any, options: OpenAIFakeOptions, model: string, id: string, done: boolean) {
  const reply = options.reply ?? FAKE_REPLY;
  const cached = options.cachedTokens ?? 0;
  const input = fakePromptTokens(body, cached);
  const output = wordCount(reply);
  const message = {
    type: 'message',
    id: `msg_${id}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: reply, annotations: [] }],
  };
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: done ? 'completed' : 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: body?.instructions ?? null,
    model,
    output: done ? [message] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    usage: done
      ? {
          input_tokens: input,
          input_tokens_details: { cached_tokens: cached },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + output,
        }
      : null,
  };
}

/**
 * `POST /v1/responses`: a completed response with one output_text message, or (stream) the
 * events OpenAI sends: created, in_progress, output_item.added, content_part.added, a text delta
 * per word, the `.done` events, and `response.completed` carrying the usage.
 */
export function writeResponses(ex: FakeExchange, options: OpenAIFakeOptions, model: string) {
  const id = `fake${++sequence}`;
  if (ex.body?.stream !== true) {
    sendJson(ex.res, 200, responseObject(ex.body, options, model, id, true));
    return;
  }
  let seq = 0;
  const send = (type: string, payload: object) =>
    ex.res.write(sseEvent({ type, sequence_number: seq++, ...payload }, type));
  const reply = options.reply ?? FAKE_REPLY;
  const itemId = `msg_${id}`;
  startSse(ex.res);
  send('response.created', { response: responseObject(ex.body, options, model, id, false) });
  if (ex.behaviour === 'hangStream') return;
  send('response.in_progress', { response: responseObject(ex.body, options, model, id, false) });
  const item = { type: 'message', id: itemId, status: 'in_progress', role: 'assistant', content: [] };
  send('response.output_item.added', { output_index: 0, item });
  const part = { type: 'output_text', text: '', annotations: [] };
  send('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part });
  for (const delta of reply.split(/(?=\s)/)) {
    send('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta });
  }
  send('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text: reply });
  const donePart = { ...part, text: reply };
  send('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part: donePart });
  const doneItem = { ...item, status: 'completed', content: [donePart] };
  send('response.output_item.done', { output_index: 0, item: doneItem });
  send('response.completed', { response: responseObject(ex.body, options, model, id, true) });
  ex.res.end();
}
