import { MemoryCounterStore } from './counter-stores';

describe('MemoryCounterStore', () => {
  it('should keep the first seed, add only to counters that exist, and expire them after the TTL', async () => {
    let now = 1_000_000;
    const store = new MemoryCounterStore(() => now);
    await store.add(['spend:key:a'], 5);
    expect(await store.get(['spend:key:a'])).toEqual([undefined]);
    expect(await store.seed('spend:key:a', 1.5, 60)).toBe(1.5);
    expect(await store.seed('spend:key:a', 9, 60)).toBe(1.5);
    await store.add(['spend:key:a', 'spend:user:b'], 0.25);
    expect(await store.get(['spend:key:a', 'spend:user:b'])).toEqual([1.75, undefined]);
    now += 60_000;
    expect(await store.get(['spend:key:a'])).toEqual([undefined]);
  });

  it('should forget a kind by prefix without touching a kind that shares its start', async () => {
    const store = new MemoryCounterStore();
    await store.seed('spend:team:t1', 1, 60);
    await store.seed('spend:team_member:u1:t1', 2, 60);
    await store.forgetPrefix('spend:team:');
    expect(await store.get(['spend:team:t1', 'spend:team_member:u1:t1'])).toEqual([undefined, 2]);
  });
});
