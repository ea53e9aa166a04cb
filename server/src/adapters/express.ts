import type { RequestHandler } from 'express';
import type { SyncHandler } from '../handler.js';

/**
 * Express 5 middleware: answers the sync API under the handler's `basePath` and passes everything else on. Mount it
 * before a global `express.json()` (or let that parser run: the handler takes `req.body` when it is already parsed).
 */
export function offlineKitExpress(handler: SyncHandler): RequestHandler {
  return (req, res, next) => {
    handler(req, res).then((handled) => {
      if (!handled) next();
    }, next);
  };
}
