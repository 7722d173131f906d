// Reads a response body in the browser before the page gets it (Chrome DevTools Protocol,
// Fetch domain, response stage), for a response the page leaves right after reading (the
// sign-out answer): Playwright's `response.body()` cannot read those once navigation starts.
// The request itself is the browser's own, cookies and all; nothing is changed.
import type { BrowserContext, Page } from 'playwright-core';

/** A captured response. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Captures the next response whose URL matches `urlPattern` (CDP wildcards). Call before the
 * action that causes the request; `stop()` when done.
 */
export async function captureNextResponse(context: BrowserContext, page: Page, urlPattern: string) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern, requestStage: 'Response' }] });
  const response = new Promise<CapturedResponse>((resolve, reject) => {
    cdp.on('Fetch.requestPaused', (event) => {
      void (async () => {
        try {
          const { body, base64Encoded } = await cdp.send('Fetch.getResponseBody', { requestId: event.requestId });
          resolve({
            status: event.responseStatusCode ?? 0,
            headers: Object.fromEntries((event.responseHeaders ?? []).map((h) => [h.name.toLowerCase(), h.value])),
            body: base64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
          });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        } finally {
          await cdp.send('Fetch.continueResponse', { requestId: event.requestId }).catch(() => undefined);
        }
      })();
    });
  });
  return {
    response,
    stop: async () => {
      await cdp.detach().catch(() => undefined);
    },
  };
}
