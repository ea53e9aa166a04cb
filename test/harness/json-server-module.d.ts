/**
 * The part of json-server 0.17's API the harness uses (the package ships no types). Its app is an express app and
 * its router an express router: both are called with node's request and response.
 */
declare module 'json-server' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  type Next = (error?: unknown) => void;
  type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

  interface App {
    (req: IncomingMessage, res: ServerResponse): void;
    use(path: string, ...handlers: Middleware[]): App;
  }

  interface Router extends Middleware {
    db: { getState(): unknown };
  }

  const jsonServer: {
    create(): App;
    /** `source`: a db.json path, written back on every change. */
    router(source: string): Router;
  };
  export default jsonServer;
}
