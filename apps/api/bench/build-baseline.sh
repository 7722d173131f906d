#!/bin/sh
# Builds the API of another commit into apps/api/.bench/<commit>/dist, so one bench run can put it
# next to the current build: npm run bench -- --bff base=.bench/<commit>/dist/server.js
set -eu
cd "$(dirname "$0")/../../.."
commit=$(git rev-parse --short "${1:-HEAD}")
dir="apps/api/.bench/$commit"
rm -rf "$dir"
mkdir -p "$dir"
git archive "$commit" apps/api/src | tar -x -C "$dir" --strip-components=2
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "$(pwd)/tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "types": ["node"] },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
npx tsc -p "$dir/tsconfig.json"
echo ".bench/$commit/dist/server.js"
