import type { ChildProcess } from 'node:child_process';

/** SIGKILLs every process that still runs and resolves once all of them have exited. */
export async function killAll(processes: Iterable<ChildProcess>): Promise<void> {
  await Promise.all(
    [...processes].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
