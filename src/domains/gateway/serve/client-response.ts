import type { ServerResponse } from 'node:http';
import type { SseEvent, UpstreamStream } from '../providers/provider';

/** When the stream's first event reached the client (LiteLLM's `completionStartTime`). */
export interface StreamOutcome {
  firstEventAt: Date | null;
  /** The client went away before the end: nothing more is written. */
  clientGone: boolean;
}

/**
 * Sends an upstream stream to the client as server-sent events, each event as it arrives. The
 * terminal event (`[DONE]`, `message_stop`) is held back: `beforeTerminal` runs first (the spend-log
 * row is written there), so a client that saw the stream complete has its request in the ledger.
 * Headers go out with the first write, so the caller sets them before.
 */
export async function pipeStream(
  res: ServerResponse,
  stream: UpstreamStream,
  beforeTerminal: (outcome: StreamOutcome) => Promise<void>,
): Promise<StreamOutcome> {
  const outcome: StreamOutcome = { firstEventAt: null, clientGone: false };
  const onClose = () => {
    if (!res.writableFinished) outcome.clientGone = true;
  };
  res.on('close', onClose);
  res.statusCode = 200;
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('connection', 'keep-alive');
  res.flushHeaders();
  const held: SseEvent[] = [];
  try {
    for await (const event of stream.events) {
      if (event.terminal) {
        held.push(event);
        continue;
      }
      if (outcome.clientGone) continue;
      outcome.firstEventAt ??= new Date();
      res.write(formatEvent(event));
    }
  } finally {
    res.off('close', onClose);
  }
  await beforeTerminal(outcome);
  if (!outcome.clientGone) {
    for (const event of held) res.write(formatEvent(event));
    res.end();
  }
  return outcome;
}

/** `event: name\ndata: text\n\n`; data with newlines is split over several `data:` lines. */
export function formatEvent(event: SseEvent): string {
  const data = event.data.includes('\n') ? event.data.split('\n').join('\ndata: ') : event.data;
  return event.event ? `event: ${event.event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
