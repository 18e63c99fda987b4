import * as net from 'net';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apiClientConfig } from '../src/private/auth-token-rotation.lambda';

/**
 * The rotation function's SDK clients, built by `apiClientConfig`, against an endpoint that
 * accepts the connection and never answers: the call fails by its request timeout instead of
 * hanging until the Lambda timeout. (No mock here: aws-sdk-client-mock would replace `send`.)
 */

let server: net.Server;
const sockets: net.Socket[] = [];
let port: number;

beforeAll(async () => {
  server = net.createServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => server.close(resolve));
});

test('a call to an endpoint that never answers fails with a timeout, on every attempt', async () => {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-key' },
    ...apiClientConfig(`http://127.0.0.1:${port}`, { connectionTimeoutMs: 200, requestTimeoutMs: 300, maxAttempts: 2 }),
  });
  try {
    const before = sockets.length;
    const error = await client.send(new DescribeSecretCommand({ SecretId: 'any' })).then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('TimeoutError');
    expect(error?.message).toMatch(/timed out|timeout/i);
    // Both attempts reached the server and were given up.
    expect(sockets.length - before).toBe(2);
  } finally {
    client.destroy();
  }
});
