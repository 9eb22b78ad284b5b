import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request values that logs pick up without threading them through every call. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
