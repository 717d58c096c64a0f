/**
 * Versioned requests, so that a late answer never overwrites a view the
 * person has already left. Answers come back in any order (a slow
 * `photos.get` for the photo left behind can arrive after the one for the
 * photo now shown); each request takes a ticket, and only the holder of the
 * newest ticket may apply its answer.
 */
export class Latest {
  private version = 0;

  /** Starts a request: every earlier one becomes stale. The returned check says whether this one is still the newest. */
  begin(): () => boolean {
    const mine = ++this.version;
    return () => mine === this.version;
  }

  /** Makes every request begun so far stale (the view they were for is gone). */
  invalidate(): void {
    this.version++;
  }

  /**
   * Runs `request` as the newest request and hands its answer to `apply` only
   * if no newer request began (and no invalidate came) meanwhile. Failures
   * follow the same rule: a stale one is dropped, a current one is rethrown.
   * Resolves to whether the answer was applied.
   */
  async run<T>(request: () => Promise<T>, apply: (value: T) => void): Promise<boolean> {
    const current = this.begin();
    let value: T;
    try {
      value = await request();
    } catch (e) {
      if (current()) throw e;
      return false;
    }
    if (!current()) return false;
    apply(value);
    return true;
  }
}
