// The API's layers, lowest first (docs/adr/0008-layers.md): one folder per layer under
// apps/api/src (proxy/ and live/ are the one relay layer; the files at the root of src/ and
// testing/ are the composition root). A file may import its own layer and the ones below it,
// never one above: `npm run lint` refuses an upward import (eslint-plugin-boundaries) and a file
// no layer claims.
// each path twice: ESLint runs from the repository root and from apps/api (`npm run lint -w apps/api`)
const src = (...globs) => globs.flatMap((g) => [`apps/api/src/${g}`, `src/${g}`]);

export const API_LAYERS = [
  { type: 'kernel', files: src('kernel/**') },
  { type: 'config', files: src('config/**') },
  { type: 'telemetry', files: src('telemetry/**') },
  { type: 'http', files: src('http/**') },
  { type: 'redis', files: src('redis/**') },
  { type: 'idp', files: src('idp/**') },
  { type: 'tokens', files: src('tokens/**') },
  { type: 'session', files: src('session/**') },
  { type: 'routing', files: src('routing/**') },
  { type: 'relay', files: src('proxy/**', 'live/**') },
  { type: 'endpoints', files: src('endpoints/**') },
  { type: 'app', files: src('*.ts', 'testing/**') },
];
