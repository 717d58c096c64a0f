/**
 * Keeps the neighbours' images loading ahead of time, so ← / → show them at once: media URLs are immutable
 * (cached for a year, keyed by id and version), so an Image fetched here is what the viewer's <img> then gets from
 * the cache. Only the URLs last asked for are held; the rest are let go (an unfinished one is cancelled).
 */
export class ImagePreloader {
  private held = new Map<string, HTMLImageElement>();

  keep(urls: string[]): void {
    const want = new Set(urls);
    for (const [url, img] of this.held)
      if (!want.has(url)) {
        img.removeAttribute('src');
        this.held.delete(url);
      }
    for (const url of want) {
      if (this.held.has(url)) continue;
      const img = new Image();
      img.decoding = 'async';
      img.src = url;
      this.held.set(url, img);
    }
  }

  clear(): void {
    this.keep([]);
  }
}
