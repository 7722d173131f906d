/** Longest user agent kept for the session list. */
export const USER_AGENT_MAX_LENGTH = 256;

/**
 * The `User-Agent` header as it may be stored and shown in a session list: printable ASCII only
 * (control characters and anything else become a space, runs of spaces collapse), trimmed, at
 * most {@link USER_AGENT_MAX_LENGTH} characters. Absent or empty: `""`.
 */
export function sanitizeUserAgent(header: string | string[] | undefined): string {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return '';
  return raw
    .slice(0, USER_AGENT_MAX_LENGTH * 4)
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, USER_AGENT_MAX_LENGTH);
}
