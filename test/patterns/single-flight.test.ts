import { SingleFlight } from '../../examples/patterns';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('concurrent calls for one key run the function once and share its result', async () => {
  const flights = new SingleFlight();
  const gate = deferred<string>();
  let runs = 0;
  const fn = (): Promise<string> => {
    runs++;
    return gate.promise;
  };

  const calls = Array.from({ length: 100 }, () => flights.run('k', fn));
  expect(flights.stats()).toEqual({ started: 1, joined: 99, inFlight: 1 });
  gate.resolve('value');

  expect(await Promise.all(calls)).toEqual(Array(100).fill('value'));
  expect(runs).toBe(1);
  expect(flights.stats().inFlight).toBe(0);
});

test('different keys run independently', async () => {
  const flights = new SingleFlight();
  const results = await Promise.all([flights.run('a', async () => 1), flights.run('b', async () => 2), flights.run('a', async () => 3)]);
  expect(results).toEqual([1, 2, 1]);
  expect(flights.stats()).toEqual({ started: 2, joined: 1, inFlight: 0 });
});

test('an error reaches every caller of the flight, and the next call runs again', async () => {
  const flights = new SingleFlight();
  const gate = deferred<string>();
  const first = flights.run('k', () => gate.promise);
  const second = flights.run('k', () => Promise.resolve('unused'));
  gate.reject(new Error('boom'));

  await expect(first).rejects.toThrow('boom');
  await expect(second).rejects.toThrow('boom');
  expect(await flights.run('k', async () => 'recovered')).toBe('recovered');
});

test('a function that throws synchronously does not leave its key stuck', async () => {
  const flights = new SingleFlight();
  await expect(flights.run('k', () => {
    throw new Error('sync');
  })).rejects.toThrow('sync');
  expect(flights.stats().inFlight).toBe(0);
  expect(await flights.run('k', async () => 'ok')).toBe('ok');
});

test('a call after the flight has settled runs the function again (nothing is cached)', async () => {
  const flights = new SingleFlight();
  let runs = 0;
  await flights.run('k', async () => ++runs);
  await flights.run('k', async () => ++runs);
  expect(runs).toBe(2);
});
