// A setup file (vitest.config.ts): runs in every test file, before the file's own hooks. Its
// afterAll therefore runs after the file's (hooks unwind in reverse), once every BFF is closed,
// and deletes the keys under each prefix the file took from testPrefix().
import { createClient } from 'redis';
import { afterAll, inject } from 'vitest';
import { prefixesInUse } from './isolation.js';

/** Deletes every key under `prefix` in the Redis at `url`; resolves with how many. */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
  } finally {
    await client.close();
  }
  return deleted;
}

afterAll(async () => {
  const prefixes = prefixesInUse();
  if (prefixes.length === 0) return;
  const url = inject('redisUrl');
  for (const prefix of prefixes) await deleteKeysUnder(url, prefix);
});
