import { Token } from 'aws-cdk-lib';

/**
 * The address of a cache endpoint.
 */
export class CacheEndpoint {
  /** The DNS name of the endpoint. */
  public readonly hostname: string;
  /** The port of the endpoint. */
  public readonly port: number;
  /** `hostname:port`, as most clients take it. */
  public readonly socketAddress: string;

  constructor(hostname: string, port: number) {
    this.hostname = hostname;
    this.port = port;
    const portText = Token.isUnresolved(port) ? Token.asString(port) : port.toString();
    this.socketAddress = `${hostname}:${portText}`;
  }
}
