// The example of docs/react-client.md (the README's "Use it in your own React app" section) is
// compiled with tsc against the built package and rendered against a real BFF: the code people
// copy is code that runs. When README.md has that section, its example must be the same code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, screen } from '@testing-library/react';
import type { ComponentType } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import { page } from './render.js';

// paths from this file's own (`new URL(…, import.meta.url)` is an asset URL to Vite in a jsdom test)
const TEST_DIR = dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = join(TEST_DIR, '..');
const GENERATED_DIR = join(TEST_DIR, '.generated/');
const DOC = join(TEST_DIR, '../../../docs/react-client.md');
const README = join(TEST_DIR, '../../../README.md');
const HEADING = 'Use it in your own React app';

/** The first ```tsx block after `heading` (or of the whole text). */
function tsxBlock(markdown: string, heading?: string): string | undefined {
  const from = heading ? markdown.indexOf(heading) : 0;
  if (from < 0) return undefined;
  return /```tsx\n([\s\S]*?)```/.exec(markdown.slice(from))?.[1];
}

let stack: Stack;
let App: ComponentType;
const example = tsxBlock(readFileSync(DOC, 'utf8'));

beforeAll(async () => {
  if (!example) throw new Error(`${DOC} has no tsx example`);
  mkdirSync(GENERATED_DIR, { recursive: true });
  writeFileSync(`${GENERATED_DIR}react-client-md.tsx`, example);
  writeFileSync(
    `${GENERATED_DIR}tsconfig.json`,
    JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, noUnusedLocals: false }, include: ['react-client-md.tsx'] }),
  );
  stack = await startStack();
  // a path tsc does not follow (the file exists only once this test wrote it); vitest compiles it
  const file = `${GENERATED_DIR}react-client-md.tsx`;
  App = ((await import(/* @vite-ignore */ file)) as { App: ComponentType }).App;
});
afterAll(async () => {
  await stack?.stop();
});

describe('the example of docs/react-client.md', () => {
  it('compiles (tsc, strict) against the package', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', `${GENERATED_DIR}tsconfig.json`], { cwd: PACKAGE_DIR, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('offers sign-in when signed out', async () => {
    page(stack);
    render(<App />);
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('offers sign-out to the signed-in user by name', async () => {
    page(stack, await stack.signIn('alice'));
    render(<App />);
    expect(await screen.findByRole('button', { name: 'Sign out Alice Example' })).toBeTruthy();
  });

  it('is the example of the README’s section, when the README has it', () => {
    const inReadme = tsxBlock(readFileSync(README, 'utf8'), HEADING);
    if (inReadme !== undefined) expect(inReadme).toBe(example);
  });
});
