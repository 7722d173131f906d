// What `npm pack` would put in a package's tarball, read from `npm pack --dry-run --json`.
import { execFileSync } from 'node:child_process';

/** One packed file. */
export interface PackedFile {
  path: string;
  size: number;
}

/** The files `npm pack` would ship from `packageDir` (the package must be built first). */
export function packedFiles(packageDir: string): PackedFile[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [result] = JSON.parse(out) as { files: PackedFile[] }[];
  if (!result) throw new Error(`npm pack --dry-run printed no result in ${packageDir}`);
  return result.files;
}
