/** A decorative spinner; pair it with visible or screen-reader text. */
export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}
