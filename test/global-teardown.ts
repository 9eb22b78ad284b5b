export default async function globalTeardown() {
  await (globalThis as any).__EMBEDDED_PG__?.stop();
}
