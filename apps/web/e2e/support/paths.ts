// Where things are, from this file: the e2e test runs from any working directory.
import { fileURLToPath } from 'node:url';

/** The monorepo root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Screenshots and logs of the last run (git-ignored: `test-artifacts/`). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url));
/** The README's screenshot, written only with `--readme-screenshot`. */
export const README_SCREENSHOT = fileURLToPath(new URL('../../../../docs/screenshots/signed-in.png', import.meta.url));

/** Build outputs the test needs, each with what produces it. */
export const BUILD_OUTPUTS = [
  { file: 'apps/web/dist/index.html', what: 'the web app (production build)' },
  { file: 'apps/api/dist/server.js', what: 'the API' },
  { file: 'packages/cognito-emulator/dist/index.js', what: 'the Cognito emulator' },
  { file: 'packages/demo-upstream/dist/index.js', what: 'the demo upstream' },
] as const;
