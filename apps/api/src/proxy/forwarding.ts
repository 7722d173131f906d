import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Forwarding headers the client may send and the BFF never passes on: it builds its own. */
export const CLIENT_FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-original-url',
  'x-rewrite-url',
] as const;

type Trust = (address: string, hop: number) => boolean;

/** Compiles `TRUST_PROXY` the way Express does, so the proxy and `req.ip` believe the same peers. */
function compileTrust(value: boolean | number | string): Trust {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyaddr.compile(value.split(',').map((s) => s.trim()));
}

/**
 * Builds `X-Forwarded-For`, `-Proto` and `-Host` for the upstream from what the BFF knows and
 * trusts, never from what the client claims: the client chain only as far as `TRUST_PROXY`
 * believes it (as Express reads `req.ip`), the scheme and host of `PUBLIC_URL` (the one origin the
 * BFF serves; a spoofed `Host` cannot reach an upstream that builds links from it).
 */
export class Forwarding {
  readonly #trust: Trust;
  readonly #proto: string;
  readonly #host: string;

  constructor(trustProxy: boolean | number | string, publicUrl: string) {
    this.#trust = compileTrust(trustProxy);
    const url = new URL(publicUrl);
    this.#proto = url.protocol.slice(0, -1);
    this.#host = url.host;
  }

  /** The client's address: the first address of the chain `TRUST_PROXY` does not vouch for (Express's `req.ip`). */
  clientIp(req: IncomingMessage): string {
    return proxyaddr(req, this.#trust);
  }

  /** Writes the forwarding headers of `req` into `out`. */
  apply(req: IncomingMessage, out: Record<string, string | string[]>): void {
    // proxyaddr.all: the peer first, then each believed X-Forwarded-For hop, up to the first untrusted one;
    // without the header that is the peer alone, whatever TRUST_PROXY says (the common case, no parsing)
    out['x-forwarded-for'] = req.headers['x-forwarded-for'] === undefined ? (req.socket.remoteAddress ?? '') : proxyaddr.all(req, this.#trust).reverse().join(', ');
    out['x-forwarded-proto'] = this.#proto;
    out['x-forwarded-host'] = this.#host;
  }
}
