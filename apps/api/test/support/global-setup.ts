import { createClient } from 'redis';
import type { TestProject } from 'vitest/node';
import { redisAnswers, TestRedisServer } from './redis-server.js';

/** The API's default key prefix: what `npm run dev` and a real deployment use. */
const DEFAULT_PREFIX = 'bff:';

async function keysUnder(url: string, prefix: string): Promise<Set<string>> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  const found = new Set<string>();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) for (const key of keys) found.add(key);
  } finally {
    await client.close();
  }
  return found;
}

/**
 * Finds a Redis for the suite: REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`
 * started here. Test files isolate their keys with a random prefix (test/support/isolation.ts)
 * and delete them afterwards (key-cleanup.ts). A developer's Redis also holds the sessions of
 * `npm run dev` under the default `bff:` prefix, so the run fails if keys appeared there: a test
 * that forgot its prefix would otherwise show up in the real app's "Your sessions".
 */
export default async function setup(project: TestProject) {
  const candidates = [process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter((u): u is string => Boolean(u));
  for (const url of candidates) {
    if (await redisAnswers(url)) {
      project.provide('redisUrl', url);
      const before = await keysUnder(url, DEFAULT_PREFIX);
      return async () => {
        const appeared = [...(await keysUnder(url, DEFAULT_PREFIX))].filter((key) => !before.has(key));
        if (appeared.length === 0) return;
        // vitest reports an error thrown here but still exits 0; the exit code must say it too
        process.exitCode = 1;
        throw new Error(
          `${appeared.length} key(s) appeared under the default prefix "${DEFAULT_PREFIX}" of ${url} during the test run, ` +
            `e.g. ${appeared.slice(0, 5).join(', ')}. A test started an API without REDIS_KEY_PREFIX: give it testPrefix() ` +
            `(test/support/isolation.ts). (If you used the app itself against this Redis meanwhile, run the tests again.)`,
        );
      };
    }
  }
  const server = await TestRedisServer.start();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
