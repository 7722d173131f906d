import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BffCognitoStack } from '../lib/bff-cognito-stack.js';
import { readSettings } from '../lib/settings.js';

/** Synthesises the stack as `cdk synth -c …` would, with the given context, offline. */
export function synth(context: Record<string, string>): Template {
  const app = new App({ context });
  const settings = readSettings((name) => app.node.tryGetContext(name));
  const stack = new BffCognitoStack(app, 'CognitoBff', settings, { env: { account: '123456789012', region: 'eu-west-1' } });
  return Template.fromStack(stack);
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

/** The one resource of `type` whose logical id starts with `idPrefix`. */
export function resource(template: Template, type: string, idPrefix: string): { id: string; props: Record<string, unknown>; raw: Resource } {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) => id.startsWith(idPrefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${idPrefix}*, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  const [id, raw] = found[0] as [string, Resource];
  return { id, props: raw.Properties ?? {}, raw };
}

/**
 * A CloudFormation value as text, with `Ref`s to the resource server replaced by its identifier
 * (what CloudFormation resolves them to) and other intrinsics shown as `{Ref X}`.
 */
export function render(value: unknown, refs: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => render(v, refs)).join(',');
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return refs[obj.Ref] ?? `{Ref ${obj.Ref}}`;
    const join = obj['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map((v) => render(v, refs)).join(join[0]);
    const getAtt = obj['Fn::GetAtt'] as string[] | undefined;
    if (getAtt) return `{GetAtt ${getAtt.join('.')}}`;
  }
  return JSON.stringify(value);
}
