import * as net from 'node:net';

/** The loopback address every test server listens on, and nothing else. */
export const LOOPBACK = '127.0.0.1';

/**
 * A TCP port on the loopback interface that was free a moment ago. Another process can take it
 * before the server binds it, so the servers retry with a new port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts a server on a port from `freePort()`, and again on another one when the chosen port was
 * taken between the check and the bind (another process won the race): at most `attempts` times.
 * Any other failure is thrown at once.
 */
export async function startOnFreePort<S>(start: (port: number) => Promise<S>, attempts = 3): Promise<S> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      lastError = error;
      if (!/Address already in use/i.test(String(error))) break;
    }
  }
  throw lastError;
}
