/** How one redemption of a refresh token ended. `stale`: redeemed, but another writer got there first (its record wins). */
export type RefreshOutcome = 'refreshed' | 'session_expired' | 'idp_unavailable' | 'stale';

/** How a wait on another instance's refresh lease ended. `took_over`: the lease lapsed or was released and this instance redeemed. */
export type LeaseWaitOutcome = 'fresh' | 'took_over' | 'session_expired' | 'idp_unavailable';

/**
 * What the refresh coordinator reports as it works (metrics). Kept to plain callbacks so the
 * coordinator knows nothing about Prometheus; every method must be cheap and must not throw.
 */
export interface RefreshObserver {
  /** One refresh grant sent to the IdP, its outcome and how long the IdP took. */
  refreshed(outcome: RefreshOutcome, seconds: number): void;
  /** One flight of this process found another instance's lease and waited. */
  leaseWaited(outcome: LeaseWaitOutcome, seconds: number): void;
  /** A request joined a refresh this process already had in flight for the same session. */
  joinedInflight(): void;
}

/** Where a `client_credentials` token came from: this process's memory, Redis, a new grant, or nowhere. */
export type ClientTokenSource = 'memory' | 'redis' | 'granted' | 'failed';

/** Receives one event per `ClientTokenProvider.get` answer (and per grant). */
export interface ClientTokenObserver {
  clientToken(source: ClientTokenSource): void;
}
