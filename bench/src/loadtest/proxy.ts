import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyStats {
  requests: number;
  /** Write answers the app server committed and the device never got (the connection was cut instead). */
  droppedAfterCommit: number;
  /** Requests cut because their app server died under them. */
  cutByKill: number;
  /** Sent to the next app server because the chosen one refused the connection (it was down). */
  rerouted: number;
  pulls: number;
  pulledRecords: number;
  pulledBytes: number;
}

/**
 * A round-robin load balancer in front of the app servers, and the network's misbehaviour: it drops some write
 * answers after the app server committed them (the device must replay the key, maybe to another server), and cuts the
 * requests of an app server that dies. A refused connection (the server is down) goes to the next one, as a load
 * balancer's health check would have it.
 */
export class Proxy {
  readonly stats: ProxyStats = {
    requests: 0,
    droppedAfterCommit: 0,
    cutByKill: 0,
    rerouted: 0,
    pulls: 0,
    pulledRecords: 0,
    pulledBytes: 0,
  };
  /** Batches in flight per upstream port, so the run can kill a server in the middle of one. */
  readonly batchesInFlight = new Map<number, number>();
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private server: Server | null = null;

  constructor(
    private readonly upstreams: number[],
    private readonly dropRate: number,
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.forward(req, res, Buffer.concat(chunks), 0));
    req.on('error', () => res.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, tries: number): void {
    const port = this.upstreams[this.next++ % this.upstreams.length] ?? 0;
    const isBatch = req.url?.endsWith('/_batch') === true;
    if (isBatch) this.batchesInFlight.set(port, (this.batchesInFlight.get(port) ?? 0) + 1);
    let done = false;
    const settle = (): void => {
      if (done) return;
      done = true;
      if (isBatch) this.batchesInFlight.set(port, (this.batchesInFlight.get(port) ?? 1) - 1);
    };
    const upstream = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
        agent: this.agent,
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('error', () => {
          settle();
          this.stats.cutByKill++;
          res.destroy();
        });
        answer.on('end', () => {
          settle();
          const bytes = Buffer.concat(parts);
          const write = req.method !== 'GET' && req.method !== 'HEAD';
          if (write && Math.random() < this.dropRate) {
            this.stats.droppedAfterCommit++;
            res.destroy();
            return;
          }
          if (!write && answer.statusCode === 200) this.countPull(req.url ?? '', bytes);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(bytes);
        });
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      if (error.code === 'ECONNREFUSED' && tries < this.upstreams.length) {
        this.stats.rerouted++;
        this.forward(req, res, body, tries + 1);
        return;
      }
      this.stats.cutByKill++;
      res.destroy();
    });
    upstream.end(body);
  }

  private countPull(url: string, bytes: Buffer): void {
    // A list page: `{ records, deleted, cursor, hasMore }`. Single reads and discovery are not pulls.
    if (!/\/api\/[a-z-]+(\?|$)/.test(url)) return;
    this.stats.pulls++;
    this.stats.pulledBytes += bytes.length;
    try {
      const page: unknown = JSON.parse(bytes.toString('utf8'));
      if (typeof page === 'object' && page !== null && 'records' in page && Array.isArray(page.records)) {
        this.stats.pulledRecords += page.records.length;
      }
    } catch {
      // Not JSON: nothing to count.
    }
  }
}
