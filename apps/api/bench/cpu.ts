// `tsx bench/cpu.ts <rig output file> [rate] [seconds] [rounds]`: CPU µs per request of each process
// `bench/rig.ts` started (floor and BFFs), each loaded in turn at the same fixed rate, in
// interleaved rounds. A quick A/B check while changing the hot path; `npm run bench` is the record.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { cpuMicros } from './proc.js';

const [rigOut, rateArg = '2000', secondsArg = '8', roundsArg = '3'] = process.argv.slice(2);
const targets = readFileSync(rigOut!, 'utf8')
  .split('\n')
  .flatMap((line) => {
    const m = /^(\S+) pid (\d+): npx tsx bench\/load\.ts '(.*)'$/.exec(line);
    return m ? [{ name: m[1]!, pid: Number(m[2]), options: { ...JSON.parse(m[3]!), rate: Number(rateArg), duration: Number(secondsArg) } }] : [];
  });
const results = new Map<string, number[]>(targets.map((t) => [t.name, []]));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const t of round % 2 ? [...targets].reverse() : targets) {
    const before = cpuMicros(t.pid);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(t.options)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load exited ${code}`))));
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { total: number; p99: number; non2xx: number };
    const us = (cpuMicros(t.pid) - before) / r.total;
    results.get(t.name)!.push(us);
    console.log(`round ${round + 1} ${t.name}: ${us.toFixed(0)} µs/req, p99 ${r.p99} ms, ${r.total} requests, non-2xx ${r.non2xx}`);
  }
}
for (const [name, xs] of results) console.log(`${name}: median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} µs/req (${xs.map((x) => x.toFixed(0)).join(', ')})`);
