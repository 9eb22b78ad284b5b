import { createHash, timingSafeEqual } from 'node:crypto';

/** LiteLLM stores a virtual key as the SHA-256 hex of the full raw key (including `sk-`). */
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey, 'utf8').digest('hex');
}

/** Constant-time string comparison for secrets such as the master key. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** `sk-...abcd`: the display form LiteLLM shows instead of a key. */
export function abbreviateKey(rawKey: string): string {
  return rawKey.length <= 4 ? 'sk-...' : `sk-...${rawKey.slice(-4)}`;
}
