import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { findBinary } from './binaries';
import { makeTempDir } from './temp-dir';

/** A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost. */
export interface TestCertificates {
  readonly directory: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate (PEM) that clients trust instead of the system's roots. */
  readonly caPem: string;
}

let cached: TestCertificates | undefined;

/**
 * Generates (once per test file) a CA and a server certificate signed by it, with openssl, into a
 * temporary folder. ECDSA P-256 keys, valid for one day: generating them takes a few milliseconds.
 */
export function testCertificates(): TestCertificates {
  if (cached && fs.existsSync(cached.caFile)) return cached;
  const openssl = findBinary('openssl', { debianPackage: 'openssl' });
  const directory = makeTempDir('tls');
  const file = (name: string): string => path.join(directory, name);
  const run = (args: string[]): void => {
    execFileSync(openssl, args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=cdk-secure-elasticache test CA']);
  run(['req', ...ecKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  run(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.crt'), '-days', '1', '-extfile', file('server.ext')]);
  cached = {
    directory,
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    caPem: fs.readFileSync(file('ca.crt'), 'utf8'),
  };
  return cached;
}

/**
 * A TLS connection to a test server on loopback, verified against the throwaway CA (`caPem`) for
 * the certificate's name `localhost`. Fails with `what` and the address after `timeoutMs`.
 */
export function connectTls(host: string, port: number, caPem: string, timeoutMs: number, what: string): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const connection = tls.connect({ host, port, ca: caPem, servername: 'localhost' });
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error(`${what}: no TLS connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    connection.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(connection);
    });
    connection.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
