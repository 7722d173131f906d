/**
 * The cookies one origin set, kept the way a browser keeps them for same-origin requests
 * (HttpOnly ones included: a browser stores them, only its scripts cannot read them).
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Records a response's `Set-Cookie` headers; an empty value or `Max-Age=0` deletes. */
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=(0|-)/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Names of the cookies held. */
  names(): string[] {
    return [...this.#cookies.keys()];
  }
}
