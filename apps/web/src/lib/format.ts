/**
 * Formatting of times for display; pure, so the countdown and tests agree.
 */

/** `mm:ss` for a number of seconds (minutes may exceed 59; negatives show as 00:00). */
export function formatMmSs(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** A unix time (seconds) as local date and time, e.g. "26 Nov 2025, 17:04:05". */
export function formatUnixTime(unixSeconds: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(unixSeconds * 1000));
}

/** A unix time (seconds) as an ISO string for `<time dateTime>`. */
export function isoFromUnix(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** Local wall-clock time of a millisecond timestamp, e.g. "17:04:05". */
export function formatClockTime(epochMs: number): string {
  return new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' }).format(new Date(epochMs));
}
