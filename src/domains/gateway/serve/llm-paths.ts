import type { CallKind } from './gateway.service';

/** The paths of each LLM route, as the controller declares them and the direct path serves them. */
export const LLM_PATHS: Record<CallKind, string[]> = {
  chat: ['v1/chat/completions', 'chat/completions'],
  embeddings: ['v1/embeddings', 'embeddings'],
  responses: ['v1/responses', 'responses'],
  messages: ['v1/messages'],
};
