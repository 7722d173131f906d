// `npm run outputs-to-env -w deploy/cdk -- outputs.json > ../../apps/api/.env`, after
// `npx cdk deploy -c publicUrl=… --outputs-file outputs.json`: prints the BFF's .env lines.
//   --stack <name>   the stack, when the file holds several
//   --no-secrets     do not call the AWS CLI; print the commands that read the client secrets instead
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { envFromOutputs, OutputsError, secretCommand, type OutputsFile } from '../lib/outputs-to-env.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { stack: { type: 'string' }, 'no-secrets': { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: outputs-to-env <outputs.json> [--stack <name>] [--no-secrets]');
  process.exit(2);
}

/** The secret's value, read with the AWS CLI (the caller's credentials; nothing is stored but the .env). */
function readSecret(arn: string): string {
  const [cmd, ...args] = secretCommand(arn) as [string, ...string[]];
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (err) {
    throw new OutputsError([`could not read ${arn} with the AWS CLI (${(err as Error).message.split('\n')[0]}); pass --no-secrets to print the commands instead`]);
  }
}

try {
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as OutputsFile;
  process.stdout.write(
    envFromOutputs(outputs, {
      ...(values.stack ? { stack: values.stack } : {}),
      ...(values['no-secrets'] ? {} : { readSecret }),
      sessionSecret: randomBytes(48).toString('base64url'),
    }),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
