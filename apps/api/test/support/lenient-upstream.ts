import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAll } from './processes.js';

/** Upstreams that read a path more leniently than the route table does, each a real server process. */
const KINDS = {
  /** Express 5: case-insensitive routing (ASP.NET Core routes the same way). */
  express: ['node', 'express-upstream.mjs'],
  /** A WSGI server (Python's wsgiref, as Flask and Django run): `%2F` arrives decoded as `/`. */
  wsgi: ['python3', 'wsgi_upstream.py'],
  /** Servlet containers' and IIS's reading: `;params` cut, trailing dots dropped. */
  servlet: ['node', 'servlet-upstream.mjs'],
} as const;

/** A lenient upstream process: each answers `{ path, admin }`, `admin` true when it routed the path under `/admin`. */
export interface LenientUpstream {
  url: string;
  /** Asks the upstream directly how it reads `path` (what the BFF would have exposed). */
  read(path: string): Promise<{ path: string; admin: boolean }>;
  stop(): Promise<void>;
}

/** Starts one lenient upstream on a free loopback port; it is killed by {@link LenientUpstream.stop}. */
export async function startLenientUpstream(kind: keyof typeof KINDS): Promise<LenientUpstream> {
  const [command, script] = KINDS[kind];
  const child = spawn(command, [fileURLToPath(new URL(`./lenient-upstreams/${script}`, import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} upstream did not start within 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${kind} upstream exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(Number(d.toString().trim()));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    read: async (path) => (await (await fetch(`${url}${path}`)).json()) as { path: string; admin: boolean },
    stop: () => killAll([child]),
  };
}
