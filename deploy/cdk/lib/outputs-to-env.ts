import { BFF_OUTPUTS, BFF_SECRET_OUTPUTS, INFO_OUTPUTS, type BffSecretVariable } from './outputs.js';

/**
 * The internal listener's port in the `.env` (and in deploy/kubernetes): `ADMIN_SCOPE`'s route,
 * `/auth/check` and `/metrics` are served there only, so the API refuses `ADMIN_SCOPE` without it.
 */
export const INTERNAL_PORT = 9090;

/** What `cdk deploy --outputs-file <file>` writes: stack name → output id → value. */
export type OutputsFile = Record<string, Record<string, string>>;

/** Thrown when the outputs file is not one this stack wrote; lists every problem. */
export class OutputsError extends Error {
  readonly code = 'invalid_outputs';
  constructor(readonly problems: string[]) {
    super(`Cannot turn the outputs into .env lines:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'OutputsError';
  }
}

/** Options of {@link envFromOutputs}. */
export interface EnvOptions {
  /** The stack to read when the file holds several (`stackName` context; default: the only one). */
  stack?: string;
  /**
   * Reads a secret's value by its Secrets Manager ARN; `undefined`: leave the variable out and
   * write the command that reads it instead (a commented line).
   */
  readSecret?: (arn: string) => string;
  /** A fresh `SESSION_SECRET` (≥ 32 characters) for the new `.env`. */
  sessionSecret: string;
}

/** `aws secretsmanager get-secret-value` for an ARN, in the ARN's own region. */
export function secretCommand(arn: string): string[] {
  const region = arn.split(':')[3];
  return ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', arn, ...(region ? ['--region', region] : []), '--query', 'SecretString', '--output', 'text'];
}

/** The stack's outputs, checked to hold every output of BFF_OUTPUTS and BFF_SECRET_OUTPUTS. */
function stackOutputs(file: OutputsFile, stack: string | undefined): { name: string; values: Record<string, string> } {
  const names = Object.keys(file);
  const name = stack ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) throw new OutputsError([`the file holds ${names.length === 0 ? 'no stack' : `several stacks (${names.join(', ')}): pass --stack`}`]);
  const values = file[name];
  if (!values) throw new OutputsError([`no stack named ${name} in the file (${names.join(', ') || 'empty'})`]);
  const missing = [...Object.values(BFF_OUTPUTS), ...Object.values(BFF_SECRET_OUTPUTS)].filter((id) => typeof values[id] !== 'string' || values[id] === '');
  if (missing.length > 0) throw new OutputsError(missing.map((id) => `output ${id} is missing from stack ${name}: is this the stack of deploy/cdk?`));
  return { name, values };
}

/**
 * Turns the outputs of a deployed BffCognitoStack into the lines of `apps/api/.env`: every
 * variable the BFF needs from Cognito, the client secrets read from Secrets Manager, and a new
 * `SESSION_SECRET`. What stays for the reader (`API_UPSTREAM_URL` or a route table) is named in
 * a comment.
 */
export function envFromOutputs(file: OutputsFile, options: EnvOptions): string {
  const { name, values } = stackOutputs(file, options.stack);
  const lines = [`# From the outputs of stack ${name} (deploy/cdk, scripts/outputs-to-env.ts)`];
  for (const [variable, id] of Object.entries(BFF_OUTPUTS)) lines.push(`${variable}=${values[id]}`);
  lines.push('# ADMIN_SCOPE\'s route, /auth/check and /metrics: on this listener only (INTERNAL_HOST, default 127.0.0.1)');
  lines.push(`INTERNAL_PORT=${INTERNAL_PORT}`);
  for (const [variable, id] of Object.entries(BFF_SECRET_OUTPUTS) as [BffSecretVariable, string][]) {
    const arn = values[id] as string;
    if (options.readSecret) lines.push(`${variable}=${options.readSecret(arn)}`);
    else lines.push(`# ${variable}: $(${secretCommand(arn).join(' ')})`);
  }
  lines.push('# Signs the cookie and seals the tokens: the same on every instance, 32+ characters');
  lines.push(`SESSION_SECRET=${options.sessionSecret}`);
  const apiScopes = values[INFO_OUTPUTS.apiScopes];
  lines.push('# Still yours to set: where /api/* goes (API_UPSTREAM_URL), or a route table (API_ROUTES_FILE)');
  if (apiScopes) lines.push(`# whose "client" routes may ask for: ${apiScopes}`);
  if (values[INFO_OUTPUTS.userPoolId]) lines.push(`# user pool: ${values[INFO_OUTPUTS.userPoolId]}; hosted login: ${values[INFO_OUTPUTS.hostedDomain] ?? '?'}`);
  return `${lines.join('\n')}\n`;
}
