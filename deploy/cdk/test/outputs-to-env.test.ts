import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@app/api';
import { BFF_OUTPUTS, BFF_SECRET_OUTPUTS } from '../lib/outputs.js';
import type { OutputsFile } from '../lib/outputs-to-env.js';
import { render, synth } from './synth.js';

// `cdk deploy --outputs-file` → scripts/outputs-to-env.ts → apps/api/.env, checked without an AWS
// account: the outputs file is the synthesised template's outputs with every reference replaced
// by a value of the shape CloudFormation gives it, the AWS CLI is a stand-in on PATH, and the
// resulting .env goes through the API's own configuration loader.
const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../scripts/outputs-to-env.ts', import.meta.url));
const POOL_ID = 'eu-west-1_AbC123xyz';
const arnOf = (id: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${id}-AbCdEf`;

/** What a deployment of the synthesised stack would write to the outputs file. */
function deployedOutputs(): OutputsFile {
  const template = synth({ publicUrl: 'https://app.example.com' }).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    Outputs: Record<string, { Value: unknown }>;
  };
  const refs: Record<string, string> = { 'AWS::URLSuffix': 'amazonaws.com', 'AWS::Region': 'eu-west-1' };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Cognito::UserPool') refs[id] = POOL_ID;
    if (r.Type === 'AWS::Cognito::UserPoolClient') refs[id] = `${id.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}cl1ent`;
    if (r.Type === 'AWS::SecretsManager::Secret') refs[id] = arnOf(id);
    if (r.Type === 'AWS::Cognito::UserPoolDomain') refs[id] = String(r.Properties?.Domain);
    if (r.Type === 'AWS::Cognito::UserPoolResourceServer') refs[id] = String(r.Properties?.Identifier);
  }
  const values = Object.fromEntries(Object.entries(template.Outputs).map(([id, o]) => [id, render(o.Value, refs)]));
  for (const [id, value] of Object.entries(values)) if (value.includes('{')) throw new Error(`output ${id} left unresolved: ${value}`);
  return { CognitoBff: values };
}

let dir: string;
let outputsFile: string;
let outputs: OutputsFile;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bff-cdk-outputs-'));
  outputs = deployedOutputs();
  outputsFile = join(dir, 'outputs.json');
  await writeFile(outputsFile, JSON.stringify(outputs, null, 2));
  // the AWS CLI's stand-in: answers exactly the call the script must make, for a secret of ours
  await writeFile(
    join(dir, 'aws'),
    `#!/bin/sh
[ "$1 $2" = "secretsmanager get-secret-value" ] && [ "$3" = "--secret-id" ] && [ "$5 $6" = "--region eu-west-1" ] && [ "$7 $8 $9 \${10}" = "--query SecretString --output text" ] || { echo "unexpected: $*" >&2; exit 254; }
case "$4" in arn:aws:secretsmanager:eu-west-1:123456789012:secret:*) echo "secret-of-\${4##*:}";; *) exit 254;; esac
`,
  );
  await chmod(join(dir, 'aws'), 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const outputsToEnv = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH}` } });

describe('outputs-to-env', () => {
  it('turns the outputs of a deployment into a .env the production configuration accepts as it is', async () => {
    const { stdout } = await outputsToEnv(outputsFile);
    const env = parse(stdout);
    const stack = outputs.CognitoBff as Record<string, string>;
    const config = loadConfig({ NODE_ENV: 'production', ...env, API_UPSTREAM_URL: 'https://api.example.com' });
    expect(config.publicUrl).toBe('https://app.example.com');
    expect(config.secureCookies).toBe(true);
    expect(config.cognito).toEqual({
      issuer: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`,
      clientId: stack[BFF_OUTPUTS.COGNITO_CLIENT_ID],
      clientSecret: `secret-of-${stack[BFF_SECRET_OUTPUTS.COGNITO_CLIENT_SECRET]?.split(':').at(-1)}`,
      scopes: 'openid email profile',
    });
    expect(config.m2mClient).toEqual({ clientId: stack[BFF_OUTPUTS.COGNITO_M2M_CLIENT_ID], clientSecret: `secret-of-${stack[BFF_SECRET_OUTPUTS.COGNITO_M2M_CLIENT_SECRET]?.split(':').at(-1)}` });
    expect(config.refreshTokenTtlSeconds).toBe(30 * 86_400);
    expect(config.sessionSecretGenerated).toBe(false);
    expect(env.SESSION_SECRET?.length).toBeGreaterThanOrEqual(32);
    expect(env.ADMIN_SCOPE).toBe('bff/admin');
    expect(env.ADMIN_CLIENT_IDS).toMatch(/cl1ent$/);
    // the API serves ADMIN_SCOPE's route on the internal listener only, and refuses it without one
    expect(env.INTERNAL_PORT).toBe('9090');
    expect(config.internal?.port).toBe(9090);
    expect(config.admin).toEqual({ scope: 'bff/admin', clientIds: [env.ADMIN_CLIENT_IDS] });
  });

  it('with --no-secrets, calls no AWS CLI and prints the commands that read the secrets', async () => {
    const { stdout } = await outputsToEnv(outputsFile, '--no-secrets');
    const env = parse(stdout);
    expect(env.COGNITO_CLIENT_SECRET).toBeUndefined();
    expect(stdout).toMatch(/^# COGNITO_CLIENT_SECRET: \$\(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-west-1:\S+ --region eu-west-1 --query SecretString --output text\)$/m);
  });

  it('refuses an outputs file that is not from this stack, naming what is missing', async () => {
    const partial = join(dir, 'partial.json');
    const { [BFF_OUTPUTS.COGNITO_ISSUER]: _dropped, ...rest } = outputs.CognitoBff as Record<string, string>;
    await writeFile(partial, JSON.stringify({ CognitoBff: rest }));
    await expect(outputsToEnv(partial)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`output ${BFF_OUTPUTS.COGNITO_ISSUER} is missing`) });
  });
});
