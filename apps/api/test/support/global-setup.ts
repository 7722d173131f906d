import type { TestProject } from 'vitest/node';
import { redisAnswers, TestRedisServer } from './redis-server.js';

/**
 * Finds a Redis for the suite: REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`
 * started here. Test files isolate their keys with a random prefix, so parallel runs never collide.
 */
export default async function setup(project: TestProject) {
  const candidates = [process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter((u): u is string => Boolean(u));
  for (const url of candidates) {
    if (await redisAnswers(url)) {
      project.provide('redisUrl', url);
      return;
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
