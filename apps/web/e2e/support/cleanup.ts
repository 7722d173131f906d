// One list of things to undo, run once in reverse order, whatever ended the run.

type Undo = { name: string; run: () => Promise<void> | void };

const EACH_TIMEOUT_MS = 8_000;
const undos: Undo[] = [];
let running: Promise<void> | undefined;

/** Registers something to undo at the end (last registered, first undone). */
export function defer(name: string, run: Undo['run']): void {
  undos.push({ name, run });
}

/** Undoes everything registered so far; safe to call more than once and concurrently. */
export function cleanUp(): Promise<void> {
  running ??= (async () => {
    while (undos.length > 0) {
      const undo = undos.pop()!;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not finish within ${EACH_TIMEOUT_MS} ms`)), EACH_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(undo.run), timeout]);
      } catch (err) {
        console.error(`cleanup: ${undo.name}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return running;
}
