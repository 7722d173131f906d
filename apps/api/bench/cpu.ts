// `tsx bench/cpu.ts <rig output file> [rate] [seconds] [rounds] [--paired]`: CPU µs per request of
// each process `bench/rig.ts` started (bare, floor and BFFs), each loaded in turn at the same fixed
// rate, in interleaved rounds; `--paired`: the BFFs only, all loaded at the same time (each at
// `rate`), so a machine whose speed drifts (a shared VM) slows them alike and the comparison holds.
// A quick A/B check while changing the hot path; `npm run bench` is the record.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { cpuMicros } from './proc.js';

const paired = process.argv.includes('--paired');
const [rigOut, rateArg = '2000', secondsArg = '8', roundsArg = '3'] = process.argv.slice(2).filter((a) => a !== '--paired');
const targets = readFileSync(rigOut!, 'utf8')
  .split('\n')
  .flatMap((line) => {
    const m = /^(\S+) pid (\d+): npx tsx bench\/load\.ts '(.*)'$/.exec(line);
    return m ? [{ name: m[1]!, pid: Number(m[2]), options: { ...JSON.parse(m[3]!), rate: Number(rateArg), duration: Number(secondsArg) } }] : [];
  });
type Target = (typeof targets)[number];
const results = new Map<string, number[]>(targets.map((t) => [t.name, []]));

async function measure(t: Target): Promise<string> {
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
  return `${t.name}: ${us.toFixed(0)} µs/req, p99 ${r.p99} ms, ${r.total} requests, non-2xx ${r.non2xx}`;
}

const loaded = paired ? targets.filter((t) => t.name !== 'bare' && t.name !== 'floor') : targets;
for (const t of targets) if (!loaded.includes(t)) results.delete(t.name);
for (let round = 0; round < Number(roundsArg); round++) {
  if (paired) console.log(`round ${round + 1}: ${(await Promise.all(loaded.map(measure))).join(' · ')}`);
  else for (const t of round % 2 ? [...loaded].reverse() : loaded) console.log(`round ${round + 1} ${await measure(t)}`);
}
for (const [name, xs] of results) console.log(`${name}: median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} µs/req (${xs.map((x) => x.toFixed(0)).join(', ')})`);
