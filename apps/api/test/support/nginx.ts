import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';

/** A real nginx (Debian's package) running one configuration under its own temp prefix and port. */
export interface TestNginx {
  url: string;
  port: number;
  /** nginx's error log so far (a failing test prints it). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** The nginx binary: `NGINX_BIN`, else `nginx` on the PATH, else `/usr/sbin/nginx` (not on a user's PATH on Debian). */
export function nginxBinary(): string {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  if (spawnSync('sh', ['-c', 'command -v nginx']).status === 0) return 'nginx';
  if (existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  throw new Error('nginx is not installed (Debian: apt-get install nginx; .ci/run does it)');
}

/**
 * Starts nginx in the foreground with `serverConf` (what goes inside `http { }`, with `{{PORT}}`
 * for the port it listens on) and waits until the port answers. Everything nginx writes (pid,
 * error log, temp files) stays in a fresh temp directory, removed by {@link TestNginx.stop}.
 */
export async function startNginx(serverConf: (port: number) => string): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'bff-nginx-'));
  const port = await freePort();
  const temp = (name: string) => join(dir, name);
  const conf = `daemon off;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
${serverConf(port)}
}
`;
  await writeFile(temp('nginx.conf'), conf);
  const child: ChildProcess = spawn(nginxBinary(), ['-p', dir, '-c', temp('nginx.conf'), '-e', temp('error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    if (await fetch(`${url}/_nginx_probe`).then(() => true, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    errorLog: () => readFile(temp('error.log'), 'utf8').catch(() => ''),
    async stop() {
      // SIGQUIT: graceful; SIGKILL by pid if it lingers, so a test never leaves an nginx behind
      if (child.exitCode === null) child.kill('SIGQUIT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
