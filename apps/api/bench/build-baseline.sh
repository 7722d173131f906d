#!/bin/sh
# Builds the API of another commit into apps/api/.bench/<commit>/dist, so one bench run can put it
# next to the current build: npm run bench -- --bff base=.bench/<commit>/dist/server.js
# The commit's own packages/shared-types is built into .bench/<commit>/node_modules/@app/shared-types,
# which Node and tsc find before the workspace's: the old API runs against the contract it was written for.
set -eu
cd "$(dirname "$0")/../../.."
commit=$(git rev-parse --short "${1:-HEAD}")
dir="apps/api/.bench/$commit"
shared="$dir/node_modules/@app/shared-types"
rm -rf "$dir"
mkdir -p "$dir" "$shared"
git archive "$commit" apps/api/src | tar -x -C "$dir" --strip-components=2
git archive "$commit" packages/shared-types/src packages/shared-types/package.json | tar -x -C "$shared" --strip-components=2
for target in "$dir" "$shared"; do
  cat > "$target/tsconfig.json" <<JSON
{
  "extends": "$(pwd)/tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "types": ["node"] },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
done
npx tsc -p "$shared/tsconfig.json"
npx tsc -p "$dir/tsconfig.json"
echo ".bench/$commit/dist/server.js"
