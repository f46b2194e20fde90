import { StatusCache } from './status-cache';

describe('StatusCache', () => {
  let clock = 0;
  const now = () => clock;
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };

  beforeEach(() => {
    clock = 1_000;
  });

  it('shares one computation between callers while it runs and for ttl after it settles', async () => {
    const cache = new StatusCache<number>(500, 10, now);
    const first = deferred<number>();
    let calls = 0;
    const compute = () => (++calls === 1 ? first.promise : Promise.resolve(calls));
    const a = cache.get('b1', compute);
    clock += 2_000; // a slow computation: callers still share it rather than start another
    const b = cache.get('b1', compute);
    first.resolve(1);
    expect([await a, await b]).toEqual([1, 1]);
    clock += 499;
    expect(await cache.get('b1', compute)).toBe(1);
    clock += 1;
    expect(await cache.get('b1', compute)).toBe(2);
    expect(calls).toBe(2);
  });

  it('keeps keys apart, forgets on demand and never keeps a failure', async () => {
    const cache = new StatusCache<string>(500, 10, now);
    expect(await cache.get('a', async () => 'a1')).toBe('a1');
    expect(await cache.get('b', async () => 'b1')).toBe('b1');
    cache.forget('a');
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('b', async () => 'b2')).toBe('b1');
    await expect(cache.get('c', () => Promise.reject(new Error('not found')))).rejects.toThrow('not found');
    expect(await cache.get('c', async () => 'c1')).toBe('c1');
  });

  it('computes every time with a ttl of 0, and drops the oldest key past its bound', async () => {
    const off = new StatusCache<number>(0, 10, now);
    let n = 0;
    expect([await off.get('x', async () => ++n), await off.get('x', async () => ++n)]).toEqual([1, 2]);
    const small = new StatusCache<string>(500, 2, now);
    await small.get('k1', async () => 'one');
    await small.get('k2', async () => 'two');
    await small.get('k3', async () => 'three');
    expect(await small.get('k1', async () => 'again')).toBe('again');
    expect(await small.get('k3', async () => 'new')).toBe('three');
  });

  it('after ttl the caller that refreshes waits for the fresh value; callers during the refresh get the previous one', async () => {
    const cache = new StatusCache<number>(500, 10, now);
    expect(await cache.get('b1', async () => 1)).toBe(1);
    clock += 500;
    const refresh = deferred<number>();
    const refreshing = cache.get('b1', () => refresh.promise);
    let calls = 0;
    const never = () => {
      calls++;
      return Promise.resolve(-1);
    };
    expect(await cache.get('b1', never)).toBe(1); // not queued behind the refresh
    refresh.resolve(2);
    expect(await refreshing).toBe(2);
    expect(await cache.get('b1', never)).toBe(2);
    expect(calls).toBe(0);
    // forget drops the previous value too: a write this process made is never hidden by it.
    clock += 500;
    const again = deferred<number>();
    void cache.get('b1', () => again.promise);
    cache.forget('b1');
    expect(await cache.get('b1', async () => 3)).toBe(3);
    again.resolve(9);
  });
});
