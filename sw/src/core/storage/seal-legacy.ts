import type { EngineContext } from '../deps.js';

/**
 * Once per partition (again after `clearLocalData`): seals what rows written in the clear still hold — queue rows and
 * history entries of a version before schema 3, and everything of a partition that was plain before `encryptAtRest`
 * was turned on (bodies, records). A failure is logged and retried at the next start.
 */
export async function sealLegacy(ctx: EngineContext): Promise<void> {
  if (!ctx.codec.encrypted) return;
  try {
    if (await ctx.meta.flag('sealed-v3')) return;
    await ctx.queue.sealPlainRows();
    await ctx.history.sealPlainEntries();
    await ctx.records.sealPlainRows();
    await ctx.meta.setFlag('sealed-v3', true);
  } catch (error) {
    console.warn(
      '[offline-kit] could not seal rows stored in the clear; trying again at the next start',
      error,
    );
  }
}
