import * as tls from 'node:tls';
import { connectTls } from './tls';

/** A RESP2 reply: simple or bulk string, integer, nil, or an array of replies. */
export type RespReply = string | number | null | RespReply[];

/** Where a `RespClient` connects. */
export interface RespTarget {
  readonly host: string;
  readonly port: number;
  /** The CA certificate (PEM) that signed the server's certificate. */
  readonly caPem: string;
  readonly password?: string;
  readonly username?: string;
}

class Incomplete extends Error {}

/**
 * A minimal RESP2 client over TLS, for the tests to look at the server's state (TTL, keys,
 * replication) independently of the client library under test. One command at a time is enough.
 */
export class RespClient {
  /** Connects with TLS and authenticates when a password is given. */
  public static async connect(target: RespTarget, timeoutMs = 5000): Promise<RespClient> {
    const socket = await connectTls(target.host, target.port, target.caPem, timeoutMs, 'RESP client');
    const client = new RespClient(socket, timeoutMs);
    if (target.password !== undefined) {
      await client.command(...(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
    }
    return client;
  }

  private buffer = Buffer.alloc(0);
  private readonly pending: Array<{ resolve: (reply: RespReply) => void; reject: (error: Error) => void }> = [];
  private closedError?: Error;

  private constructor(private readonly socket: tls.TLSSocket, private readonly timeoutMs: number) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error): void => {
      this.closedError = error;
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('RESP connection closed')));
  }

  /** Sends one command and returns its reply; a server error rejects with the server's message. */
  public command(...args: Array<string | number>): Promise<RespReply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const parts = args.map(String);
    const payload = `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RESP ${parts[0]} timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending.push({
        resolve: (reply) => { clearTimeout(timer); resolve(reply); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.socket.write(payload);
    });
  }

  public close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    while (this.pending.length > 0) {
      let parsed: { reply: RespReply | Error; end: number };
      try {
        parsed = parse(this.buffer, 0);
      } catch (error) {
        if (error instanceof Incomplete) return;
        throw error;
      }
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.pending.shift()!;
      if (parsed.reply instanceof Error) waiter.reject(parsed.reply);
      else waiter.resolve(parsed.reply);
    }
  }
}

function parse(buffer: Buffer, start: number): { reply: RespReply | Error; end: number } {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) throw new Incomplete();
  const type = String.fromCharCode(buffer[start]);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': return { reply: line, end: next };
    case '-': return { reply: new Error(line), end: next };
    case ':': return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) throw new Incomplete();
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RespReply[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, offset);
        if (item.reply instanceof Error) throw item.reply;
        items.push(item.reply);
        offset = item.end;
      }
      return { reply: items, end: offset };
    }
    default:
      throw new Error(`unexpected RESP type '${type}'`);
  }
}
