// @vitest-environment node
// The published package: ESM with declarations, README and package.json only; React and TanStack
// Query as peers; importing it touches no browser global (server rendering, tests, tree-shaking).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packedFiles } from '@app/bff-testing';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${PACKAGE_DIR}/package.json`, 'utf8')) as Record<string, Record<string, unknown> | string | boolean | undefined>;

describe('npm pack', () => {
  const files = packedFiles(PACKAGE_DIR).map((f) => f.path);

  it('ships dist JavaScript with its .d.ts, the README and package.json, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/session.js', 'dist/live-socket.d.ts']));
    expect(files.filter((f) => !/^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|src|examples)\/|\.test\.|\.map$/.test(f))).toEqual([]);
    for (const js of files.filter((f) => f.endsWith('.js'))) expect(files, `${js} without declarations`).toContain(js.replace(/\.js$/, '.d.ts'));
  });

  it('is ESM without side effects, with react and @tanstack/react-query as peers, for Node >= 20.19', () => {
    expect(pkg).toMatchObject({ type: 'module', sideEffects: false, exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, engines: { node: '>=20.19.0' } });
    expect(Object.keys(pkg.peerDependencies as object).sort()).toEqual(['@tanstack/react-query', 'react']);
    expect(Object.keys(pkg.dependencies as object)).not.toContain('react');
    expect(pkg.private).toBeUndefined();
  });
});

describe('importing the built package', () => {
  it('touches no window, document, location, fetch or WebSocket (its own modules and @app/bff-client’s)', async () => {
    const touched: string[] = [];
    const saved = new Map<string, PropertyDescriptor | undefined>();
    const ours = /packages\/(react|bff-client|shared-types)\/dist\//;
    for (const name of ['window', 'document', 'location', 'fetch', 'WebSocket', 'localStorage']) {
      saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      const original = saved.get(name);
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get: () => {
          // TanStack Query feature-tests `typeof window` as it loads: only a direct access by our modules counts
          const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
          if (ours.test(caller)) touched.push(`${name} from ${caller.trim()}`);
          return original?.get ? original.get() : original?.value;
        },
      });
    }
    try {
      const mod = (await import(`${PACKAGE_DIR}/dist/index.js?fresh=${Date.now()}`)) as Record<string, unknown>;
      expect(typeof mod.useSession).toBe('function');
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
    }
    expect(touched).toEqual([]);
  });
});
