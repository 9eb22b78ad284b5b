import { InvalidationBus, type Invalidation } from '../src/platform/auth/invalidation-bus';
import { uniq } from './app.factory';
import { useE2e } from './harness';

/** Polls `check` until it returns true or `ms` have passed; returns its last answer. */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gateway edges', () => {
  const h = useE2e();

  describe('tags announce the model changes they write', () => {
    const heard: Invalidation[] = [];
    beforeAll(async () => {
      await h.app.get(InvalidationBus).start(
        (message) => heard.push(message),
        () => undefined,
      );
    });

    it('a tag naming a stored model adds itself to litellm_params.tags and every registry reloads', async () => {
      const modelName = uniq('tagged-model');
      const created = await h
        .post('/model/new', { model_name: modelName, litellm_params: { model: 'openai/gpt-4o' } })
        .expect(200);
      const id = created.body.model_id as string;
      const tag = uniq('tag');
      heard.length = 0;
      await h.post('/tag/new', { name: tag, models: [modelName] }).expect(200);

      expect(await eventually(async () => heard.some((m) => m.scope === 'models'))).toBe(true);
      // This pod's registry reloaded on the bus message: /model/info (read from memory) shows the tag.
      const tagsShown = async () => {
        const info = await h.get(`/model/info?litellm_model_id=${encodeURIComponent(id)}`).expect(200);
        return ((info.body.data[0].litellm_params.tags ?? []) as string[]).includes(tag);
      };
      expect(await eventually(tagsShown)).toBe(true);
    });
  });
});
