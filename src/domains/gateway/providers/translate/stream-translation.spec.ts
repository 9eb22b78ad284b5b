import type { SseEvent } from '../provider';
import type { ParsedSseEvent } from '../sse-parser';
import { AnthropicToChatStream } from './anthropic-stream-to-chat';
import { ChatStreamToAnthropic } from './chat-stream-to-anthropic';

async function* source(events: ParsedSseEvent[]): AsyncGenerator<ParsedSseEvent> {
  for (const event of events) yield event;
}

async function collect(events: AsyncIterable<SseEvent>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const chunk = (delta: object, finish: string | null = null) => ({
  data: JSON.stringify({ id: 'c1', model: 'gpt', choices: [{ index: 0, delta, finish_reason: finish }] }),
});

describe('stream translation', () => {
  it('should turn text followed by two parallel tool calls into three Anthropic blocks, each closed', async () => {
    const stream = new ChatStreamToAnthropic(
      source([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Checking.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'a', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'b', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        {
          data: JSON.stringify({
            choices: [],
            usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
          }),
        },
        { data: '[DONE]' },
      ]),
      'gpt',
    );
    const events = await collect(stream.events);
    const payloads = events.map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
    expect(payloads.map((p) => `${p.event}${p.index === undefined ? '' : `#${p.index}`}`)).toEqual([
      'message_start',
      'content_block_start#0',
      'content_block_delta#0',
      'content_block_stop#0',
      'content_block_start#1',
      'content_block_delta#1',
      'content_block_delta#1',
      'content_block_stop#1',
      'content_block_start#2',
      'content_block_delta#2',
      'content_block_stop#2',
      'message_delta',
      'message_stop',
    ]);
    expect(payloads[4].content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'a', input: {} });
    expect(payloads[8].content_block).toMatchObject({ id: 'call_b', name: 'b' });
    expect(payloads[11]).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 9, output_tokens: 4 },
    });
    expect(events.at(-1)?.terminal).toBe(true);
    expect(stream.usage()).toMatchObject({ promptTokens: 9, completionTokens: 4 });
  });

  it('should number tool calls from 0 across Anthropic blocks that follow a text block', async () => {
    const event = (type: string, payload: object) => ({
      event: type,
      data: JSON.stringify({ type, ...payload }),
    });
    const stream = new AnthropicToChatStream(
      source([
        event('message_start', {
          message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
        event('content_block_stop', { index: 0 }),
        event('content_block_start', {
          index: 1,
          content_block: { type: 'tool_use', id: 'tu_1', name: 'f', input: {} },
        }),
        event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{}' } }),
        event('content_block_stop', { index: 1 }),
        event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } }),
        event('message_stop', {}),
      ]),
      false,
    );
    const events = await collect(stream.events);
    expect(events.at(-1)).toEqual({ data: '[DONE]', terminal: true });
    const deltas = events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0]);
    expect(deltas.map((c) => c.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hi' },
      { tool_calls: [{ index: 0, id: 'tu_1', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      {},
    ]);
    expect(deltas.at(-1).finish_reason).toBe('tool_calls');
    expect(stream.usage()).toMatchObject({ promptTokens: 5, completionTokens: 7 });
  });

  it('should end with an UpstreamError when Anthropic sends an error event mid-stream', async () => {
    const stream = new AnthropicToChatStream(
      source([
        {
          event: 'message_start',
          data: JSON.stringify({ type: 'message_start', message: { id: 'm', model: 'c' } }),
        },
        {
          event: 'error',
          data: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
        },
      ]),
      false,
    );
    await expect(collect(stream.events)).rejects.toMatchObject({ kind: 'server', status: 500 });
  });
});
