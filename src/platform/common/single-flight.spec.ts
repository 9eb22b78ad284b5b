import { ExpiringLoads, SingleFlight } from './single-flight';

/** A load that answers when told to, counting its calls. */
function gatedLoad<V>(value: V) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const load = jest.fn(async () => {
    await gate;
    return value;
  });
  return { load, open };
}

describe('SingleFlight', () => {
  it('should run one load for concurrent callers of a key and a new one once it settled', async () => {
    const flights = new SingleFlight<string>();
    const { load, open } = gatedLoad('row');
    const answers = Promise.all([flights.run('k', load), flights.run('k', load), flights.run('k', load)]);
    open();
    await expect(answers).resolves.toEqual(['row', 'row', 'row']);
    expect(load).toHaveBeenCalledTimes(1);
    await flights.run('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should keep keys apart and hand a failure to every caller, then forget it', async () => {
    const flights = new SingleFlight<string>();
    const failing = jest.fn(() => Promise.reject(new Error('database down')));
    const both = [flights.run('a', failing), flights.run('a', failing)];
    await expect(Promise.all(both)).rejects.toThrow('database down');
    await expect(both[1]).rejects.toThrow('database down');
    expect(failing).toHaveBeenCalledTimes(1);
    await expect(flights.run('b', async () => 'other')).resolves.toBe('other');
    await expect(flights.run('a', async () => 'back')).resolves.toBe('back');
  });
});

describe('ExpiringLoads', () => {
  it('should read a key once per TTL, concurrent misses sharing the read', async () => {
    const cache = new ExpiringLoads<string>(5_000);
    const { load, open } = gatedLoad('facts');
    const answers = Promise.all([cache.get('u1', 0, load), cache.get('u1', 0, load)]);
    open();
    await expect(answers).resolves.toEqual(['facts', 'facts']);
    await expect(cache.get('u1', 4_999, load)).resolves.toBe('facts');
    expect(load).toHaveBeenCalledTimes(1);
    await cache.get('u1', 5_000, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should drop everything once it holds its maximum of keys', async () => {
    const cache = new ExpiringLoads<number>(60_000, 2);
    const load = jest.fn(async () => 1);
    await cache.get('a', 0, load);
    await cache.get('b', 0, load);
    await cache.get('c', 0, load); // full: a and b dropped
    await cache.get('c', 1, load);
    await cache.get('a', 1, load);
    expect(load.mock.calls).toHaveLength(4);
  });
});
