// What the published package holds: built ESM and its declarations, the README and package.json;
// no sources, tests, examples or source maps.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packedFiles } from '@app/bff-testing';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('npm pack', () => {
  const files = packedFiles(PACKAGE_DIR).map((f) => f.path);

  it('ships dist JavaScript with its .d.ts, the README and package.json, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/client.js', 'dist/generated/openapi.d.ts']));
    const unexpected = files.filter((f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(f));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|src|examples)\/|\.test\.|\.map$/.test(f))).toEqual([]);
    for (const js of files.filter((f) => f.endsWith('.js'))) expect(files, `${js} without declarations`).toContain(js.replace(/\.js$/, '.d.ts'));
  });

  it('declares an ESM entry with types, no side effects, and the Node versions it runs on', () => {
    const pkg = JSON.parse(readFileSync(`${PACKAGE_DIR}/package.json`, 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ type: 'module', sideEffects: false, exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, engines: { node: '>=20.19.0' } });
    expect(pkg.private).toBeUndefined();
  });
});
