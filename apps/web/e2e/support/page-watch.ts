// What a browser context saw: same-origin responses (headers and bodies, to look for tokens),
// navigations to the IdP, page errors and the app's console errors (CSP violations show up there).
import type { BrowserContext, Request } from 'playwright-core';
import { JWT_PATTERN } from './expect.js';

/** A same-origin response and what its inspection found. */
export interface SeenResponse {
  url: string;
  status: number;
  inspected: Promise<{ leak?: string; bodyRead: boolean }>;
}

function inspect(url: string, status: number, headers: string, body: string | null | undefined): { leak?: string; bodyRead: boolean } {
  if (JWT_PATTERN.test(headers)) return { leak: `${url} (${status}): headers`, bodyRead: body !== null };
  if (body && JWT_PATTERN.test(body)) return { leak: `${url} (${status}): body`, bodyRead: true };
  return { bodyRead: body !== null };
}

/** A recorder attached to one browser context. */
export class PageWatch {
  readonly responses: SeenResponse[] = [];
  readonly navigations: URL[] = [];
  readonly errors: string[] = [];

  constructor(context: BrowserContext, private readonly appOrigin: string) {
    context.on('response', (response) => {
      if (new URL(response.url()).origin !== appOrigin) return;
      const status = response.status();
      // Asked for at once: once the page navigates away, the browser drops the body.
      const redirect = status >= 300 && status < 400; // a redirect has no body
      const body = redirect ? Promise.resolve(undefined) : response.body().then((b) => b.toString('utf8'), () => null);
      const inspected = (async () => inspect(response.url(), status, JSON.stringify(await response.allHeaders()), await body))();
      this.responses.push({ url: response.url(), status, inspected });
    });
    context.on('request', (request: Request) => {
      if (request.isNavigationRequest() && request.frame().parentFrame() === null) this.navigations.push(new URL(request.url()));
    });
    context.on('page', (page) => {
      page.on('pageerror', (err) => this.errors.push(`uncaught: ${err.message}`));
      page.on('console', (message) => {
        // The IdP's pages are not under test (the emulator has no favicon, for one).
        if (message.type() !== 'error' || new URL(page.url()).origin !== this.appOrigin) return;
        // an error status the journey provokes on purpose (the step-up route's 401) is not an error of the app
        const resource = message.location().url;
        if (/^Failed to load resource/.test(message.text()) && resource && this.expectedFailures.some((p) => new URL(resource).pathname.startsWith(p))) return;
        this.errors.push(`console.error on ${page.url()}: ${message.text().trim()} (${message.location().url})`);
      });
    });
  }

  /** Paths whose error status a step provokes on purpose: the browser's "Failed to load resource" for them is expected. */
  readonly expectedFailures: string[] = [];

  /** Adds a response body read another way (see `captureResponseBody`). */
  addBody(url: string, status: number, headers: Record<string, string>, body: string): void {
    this.responses.push({ url, status, inspected: Promise.resolve(inspect(url, status, JSON.stringify(headers), body)) });
  }

  /** Every same-origin response so far, with what was found. */
  async inspections(): Promise<Array<{ url: string; leak?: string; bodyRead: boolean }>> {
    return Promise.all(this.responses.map(async (r) => ({ url: r.url, ...(await r.inspected) })));
  }
}
