import type { FastifyPluginAsync } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SyncHandler } from '../handler.js';

/**
 * A Fastify 5 plugin: routes under the handler's `basePath` go to the library with the raw request and response.
 * Registered without fastify-plugin, so its body parser (none: the library reads the body itself) stays inside it.
 */
export function offlineKitFastify(handler: SyncHandler): FastifyPluginAsync {
  return (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const route = async (
      request: { raw: IncomingMessage },
      reply: { hijack(): void; raw: ServerResponse },
    ): Promise<void> => {
      reply.hijack();
      await handler(request.raw, reply.raw);
    };
    app.all(handler.basePath, route);
    app.all(`${handler.basePath}/*`, route);
    return Promise.resolve();
  };
}
