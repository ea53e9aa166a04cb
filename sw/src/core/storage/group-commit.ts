/**
 * Group commit: the first item commits at once; items added while a commit runs wait for it and then commit together
 * in one call (a burst of 1,000 costs tens of IndexedDB transactions, not 1,000). Each `add` resolves only once ITS
 * item is committed, so a caller that answers after `add` (a 202, an acknowledgement) still answers after durability.
 * Used for captured writes (`Outbox`) and for acknowledgements of writes sent one by one (`Replicator`).
 */
export class GroupCommit<T> {
  private waiting: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  /**
   * `retryAlone`: when a group fails, commit its items one per call, so only the items that fail on their own are
   * refused (a full quota refuses the group, while the first few may still fit). Without it the group's error goes
   * to every item of the group.
   */
  constructor(
    private readonly commit: (items: readonly T[]) => Promise<void>,
    private readonly options: { retryAlone: boolean },
  ) {}

  add(item: T): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => this.waiting.push({ item, resolve, reject }));
    if (!this.running) void this.flush();
    return committed;
  }

  private async flush(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        await this.commit(group.map((g) => g.item));
        for (const g of group) g.resolve();
      } catch (error) {
        if (!this.options.retryAlone || group.length === 1) {
          for (const g of group) g.reject(error);
          continue;
        }
        for (const g of group) {
          try {
            await this.commit([g.item]);
            g.resolve();
          } catch (alone) {
            g.reject(alone);
          }
        }
      }
    }
    this.running = false;
  }
}
