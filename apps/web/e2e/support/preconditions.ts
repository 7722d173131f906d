// What must exist before anything starts, each with a message that says what to do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_OUTPUTS, REPO_ROOT } from './paths.js';

/** Problems that stop the run before anything is started; empty when all is in place. */
export function missingPrerequisites(chromiumPath: string): string[] {
  const problems: string[] = [];
  const missing = BUILD_OUTPUTS.filter((output) => !existsSync(join(REPO_ROOT, output.file)));
  if (missing.length > 0) {
    problems.push(
      `Missing build output:\n${missing.map((m) => `    ${m.file} (${m.what})`).join('\n')}\n` +
        '  Run `npm run build` from the repository root first.',
    );
  }
  if (!existsSync(chromiumPath)) {
    problems.push(`Chromium not found at ${chromiumPath}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  return problems;
}
