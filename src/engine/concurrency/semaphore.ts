/**
 * At most n holders at once, the rest waiting in order: the indexer's decodes (bounded by cores) and the
 * scanner's move-confirming hashes (live renames of big folders arrive as bursts of adds) share it.
 */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
