/**
 * Which BFF the hooks talk to. Without a provider: the page's own origin, which is how the BFF
 * is meant to be deployed (one origin serves the app and the BFF).
 */
import { createBffClient, type BffClient } from '@app/bff-client';
import { createContext, useContext, type ReactNode } from 'react';

let sameOrigin: BffClient | undefined;

/** The same-origin client, created on first use (nothing is touched at import time). */
export function defaultBffClient(): BffClient {
  sameOrigin ??= createBffClient();
  return sameOrigin;
}

const BffClientContext = createContext<BffClient | undefined>(undefined);

/** Points the hooks below it at another BFF client (another origin, a test's). Optional. */
export function BffClientProvider({ client, children }: { client: BffClient; children: ReactNode }) {
  return <BffClientContext.Provider value={client}>{children}</BffClientContext.Provider>;
}

/** The BFF client of the nearest {@link BffClientProvider}, else the same-origin one. */
export function useBffClient(): BffClient {
  return useContext(BffClientContext) ?? defaultBffClient();
}
