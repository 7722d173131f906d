// The session's keys live in the keyspace (redis/keyspace.ts) with every other key.
export { sessionKeys, tokensKey, type SessionKeys } from '../redis/keyspace.js';
