import { SseParser, type ParsedSseEvent } from './sse-parser';

function parseInPieces(text: string, pieceLength: number): ParsedSseEvent[] {
  const parser = new SseParser();
  const events: ParsedSseEvent[] = [];
  for (let i = 0; i < text.length; i += pieceLength)
    events.push(...parser.push(text.slice(i, i + pieceLength)));
  events.push(...parser.end());
  return events;
}

describe('SseParser', () => {
  const stream =
    ': keep-alive comment\n' +
    'event: message_start\r\n' +
    'data: {"type":"message_start"}\r\n' +
    '\r\n' +
    'data: first line\n' +
    'data:second line\n' +
    '\n' +
    'data: {"a":1}\r' +
    '\r' +
    'event: ignored-without-data\n' +
    '\n' +
    'data: [DONE]\n\n';
  const expected: ParsedSseEvent[] = [
    { event: 'message_start', data: '{"type":"message_start"}' },
    { data: 'first line\nsecond line' },
    { data: '{"a":1}' },
    { data: '[DONE]' },
  ];

  it('should read events whatever the line endings, skipping comments and events without data', () => {
    expect(parseInPieces(stream, stream.length)).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 13])(
    'should read the same events when the body arrives in pieces of %i characters',
    (n) => {
      expect(parseInPieces(stream, n)).toEqual(expected);
    },
  );

  it('should keep a \\r that ends a chunk until it knows whether \\n follows', () => {
    const parser = new SseParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ data: 'x' }]);
  });

  it('should emit a last event the upstream did not end with a blank line', () => {
    const parser = new SseParser();
    expect(parser.push('data: tail')).toEqual([]);
    expect(parser.end()).toEqual([{ data: 'tail' }]);
  });

  it('should keep the data text as sent (one leading space removed, the rest kept)', () => {
    expect(parseInPieces('data:  two spaces: yes\n\n', 4)).toEqual([{ data: ' two spaces: yes' }]);
  });
});
