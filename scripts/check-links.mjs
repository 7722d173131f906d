#!/usr/bin/env node
// Checks every relative link and heading anchor in the repository's Markdown files, offline:
// remark-validate-links run over all of them at once (so `other.md#anchor` is checked against
// the headings of other.md, as GitHub renders them); links to other sites are not followed.
// Part of `npm test` (root package.json). Exits 1 and lists each broken link.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remark } from 'remark';
import remarkValidateLinks from 'remark-validate-links';
import { engine } from 'unified-engine';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Guides that other branches add and the README's table of contents already lists: a link to
 * one of them is accepted while the file does not exist yet, and checked like any other once it
 * does. Remove an entry once its file is in the repository.
 */
export const PENDING = [];


const files = await new Promise((resolve, reject) => {
  engine(
    {
      processor: remark(),
      // given to the engine (not .use()d on the processor), the plugin gets the file set and checks
      // links between files once every file is read
      plugins: [[remarkValidateLinks, { repository: false }]],
      files: ['.'],
      cwd: root,
      extensions: ['md'],
      // node_modules is always skipped; these hold generated or installed Markdown
      ignorePatterns: ['**/dist/**', '**/.turbo/**', '**/cdk.out/**', 'test-artifacts/**', 'apps/web/test-results/**'],
      out: false,
      quiet: true,
      silent: true,
      color: false,
      reporter: () => '',
    },
    (error, _code, context) => (error ? reject(error) : resolve(context?.files ?? [])),
  );
});

const problems = [];
const pendingSeen = new Set();
for (const file of files) {
  for (const m of file.messages) {
    const missing = PENDING.find((p) => m.ruleId === 'missing-file' && m.reason.includes(`\`${relative(dirname(join(root, file.path)), join(root, p))}\``));
    if (missing) {
      pendingSeen.add(missing);
      continue;
    }
    problems.push(`${relative(root, join(root, file.path))}:${m.line ?? '?'}:${m.column ?? '?'} ${m.reason}`);
  }
}
console.log(`Markdown links: ${files.length} files checked${pendingSeen.size > 0 ? `; waiting for ${[...pendingSeen].join(', ')} (PENDING in scripts/check-links.mjs)` : ''}`);
if (problems.length > 0) {
  console.error(`${problems.length} broken link(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
