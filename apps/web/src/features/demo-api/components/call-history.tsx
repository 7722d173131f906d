import { formatClockTime } from '../../../lib/format';
import type { ApiCallRecord } from '../api/call-api';
import { StatusPill } from './api-response';

/** The last few calls, newest first. */
export function CallHistory({ history }: { history: ApiCallRecord[] }) {
  if (history.length === 0) return null;
  return (
    // Focusable so that keyboard users can scroll the table sideways on narrow screens.
    <div className="history" tabIndex={0} role="group" aria-label="Recent calls (scrollable)">
      <table className="table">
        <caption>Recent calls</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Path</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Latency</th>
          </tr>
        </thead>
        <tbody>
          {history.map((call) => (
            <tr key={call.id}>
              <td><time dateTime={new Date(call.at).toISOString()}>{formatClockTime(call.at)}</time></td>
              <td><code className="mono">{call.path}</code></td>
              <td><StatusPill status={call.status} /> {call.outcome !== 'OK' && <span className="muted small">{call.outcome}</span>}</td>
              <td className="num">{call.latencyMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
