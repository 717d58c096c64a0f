/** Display helpers. */

/** A scene family as shown: "Water"; the person's own scenes (family `personal`) are "My scenes". */
export function familyName(family: string): string {
  return family === 'personal' ? 'My scenes' : family.charAt(0).toUpperCase() + family.slice(1);
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `${h} h ${Math.round((seconds - h * 3600) / 60)} min`;
}

export function formatBytes(n: number): string {
  if (n < 1e6) return `${Math.round(n / 1e3)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatDate(iso: string | null): string {
  if (!iso) return 'No date';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])));
  return d.toLocaleString(undefined, { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' });
}

/** `2021-11` → "November 2021" (a month heading of By date; the month is the camera's, so no time zone applies). */
export function monthTitle(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15)).toLocaleString('en', { timeZone: 'UTC', month: 'long', year: 'numeric' });
}

/** Day `d` of `2025-06` → "Sat 14 June" (a day heading of By date, under its month's heading; the camera's clock). */
export function dayTitle(month: string, d: number): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return `${month}-${d}`;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, d, 12));
  const weekday = date.toLocaleString('en', { timeZone: 'UTC', weekday: 'short' });
  const rest = date.toLocaleString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long' });
  return `${weekday} ${rest}`;
}

/**
 * Confidence as a whole percentage, rounded DOWN: a photo at 9.6 % sits under a
 * 10 % threshold (in "Uncertain") and must not read "10%" there. The tiny
 * epsilon keeps binary fractions honest (0.29 * 100 = 28.999…).
 */
export function percent(p: number): string {
  return `${Math.floor(p * 100 + 1e-9)}%`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
