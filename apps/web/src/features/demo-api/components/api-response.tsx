import type { ReactNode } from 'react';
import type { BffError } from '@app/react';
import { formatUnixTime } from '../../../lib/format';
import type { ApiCallResult, UpstreamEcho } from '../api/call-api';

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Claims({ body }: { body: UpstreamEcho }) {
  const claims = body.claims ?? {};
  const token = body.token ?? {};
  return (
    <div className="response__grid">
      <div>
        <h4 className="response__subtitle">Claims the upstream saw</h4>
        <dl className="facts facts--compact">
          <Fact term="sub"><code className="mono break">{claims.sub ?? '—'}</code></Fact>
          <Fact term="username">{claims.username ?? '—'}</Fact>
          <Fact term="client_id"><code className="mono break">{claims.client_id ?? '—'}</code></Fact>
          <Fact term="scope">{claims.scope ?? '—'}</Fact>
          <Fact term="groups">{claims.groups?.length ? claims.groups.join(', ') : '—'}</Fact>
          <Fact term="token_use">{claims.token_use ?? '—'}</Fact>
        </dl>
      </div>
      <div>
        <h4 className="response__subtitle">Access token</h4>
        <dl className="facts facts--compact">
          <Fact term="secondsRemaining">
            <span className="mono">{token.secondsRemaining ?? '—'}</span>
          </Fact>
          <Fact term="issuedAt">
            {token.issuedAt === undefined ? '—' : <time dateTime={new Date(token.issuedAt * 1000).toISOString()}>{formatUnixTime(token.issuedAt)}</time>}
          </Fact>
          <Fact term="expiresAt">
            {token.expiresAt === undefined ? '—' : <time dateTime={new Date(token.expiresAt * 1000).toISOString()}>{formatUnixTime(token.expiresAt)}</time>}
          </Fact>
        </dl>
      </div>
    </div>
  );
}

/** The outcome of the latest call: status, latency and what the upstream saw, or the error. */
export function ApiResponse({ result, error, pending }: { result: ApiCallResult | undefined; error: BffError | null; pending: boolean }) {
  let summary: ReactNode = 'No call yet. Press “Call the API” to send one.';
  if (pending) summary = 'Calling…';
  else if (error) summary = (<><StatusPill status={error.status} /> {error.code}: {error.title}</>);
  else if (result) summary = (<><StatusPill status={result.status} /> in <strong>{result.latencyMs} ms</strong></>);

  return (
    <section className="response" aria-label="API response" aria-busy={pending}>
      <p className="response__summary" role="status">
        {summary}
      </p>
      {!pending && error?.detail && <p className="muted">{error.detail}</p>}
      {!pending && !error && result && (
        <>
          {result.body.message && <p className="response__message">“{result.body.message}”</p>}
          <Claims body={result.body} />
        </>
      )}
    </section>
  );
}

/** An HTTP status as a coloured pill with the word “Status” for screen readers. */
export function StatusPill({ status }: { status: number }) {
  const tone = status >= 200 && status < 300 ? 'success' : status >= 500 || status === 0 ? 'danger' : 'warning';
  return (
    <span className={`pill pill--${tone}`}>
      <span className="sr-only">Status </span>
      {status === 0 ? 'no response' : status}
    </span>
  );
}
