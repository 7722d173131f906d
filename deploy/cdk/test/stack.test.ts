import { describe, expect, it } from 'vitest';
import { loadConfig } from '@app/api';
import { BFF_OUTPUTS, BFF_SECRET_OUTPUTS } from '../lib/outputs.js';
import { readSettings, SettingsError } from '../lib/settings.js';
import { render, resource, synth } from './synth.js';

// Each property the BFF relies on (issue 23; contract: "Configuration", "Sessions and tokens",
// "Ending sessions from outside"), asserted on the synthesised template: no AWS account needed.
const PUBLIC_URL = 'https://app.example.com';
const template = synth({ publicUrl: `${PUBLIC_URL}/`, groups: 'admins,staff', apiScopes: 'read,stats.read' });
const server = resource(template, 'AWS::Cognito::UserPoolResourceServer', 'UserPoolResourceServer');
const refs = { [server.id]: 'bff' };
const client = (prefix: string) => resource(template, 'AWS::Cognito::UserPoolClient', prefix).props;
const scopesOf = (props: Record<string, unknown>) => (props.AllowedOAuthScopes as unknown[]).map((s) => render(s, refs)).sort();

describe('the user pool', () => {
  const pool = resource(template, 'AWS::Cognito::UserPool', 'UserPool');

  it('signs users in with their email address, verified by Cognito', () => {
    expect(pool.props.UsernameAttributes).toEqual(['email']);
    expect(pool.props.AutoVerifiedAttributes).toEqual(['email']);
    expect(pool.props.UsernameConfiguration).toEqual({ CaseSensitive: false });
  });

  it('asks for a TOTP second factor as the mfa context says, optional by default', () => {
    expect(pool.props.MfaConfiguration).toBe('OPTIONAL');
    expect(pool.props.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(resource(synth({ publicUrl: PUBLIC_URL, mfa: 'required' }), 'AWS::Cognito::UserPool', 'UserPool').props.MfaConfiguration).toBe('ON');
    expect(resource(synth({ publicUrl: PUBLIC_URL, mfa: 'off' }), 'AWS::Cognito::UserPool', 'UserPool').props.MfaConfiguration).toBe('OFF');
  });

  it('lets only administrators create users unless selfSignUp is set, and outlives the stack', () => {
    expect(pool.props.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.raw.DeletionPolicy).toBe('Retain');
  });

  it('has the groups of the context and a domain for the managed login', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map((g) => (g.Properties as { GroupName: string }).GroupName);
    expect(groups.sort()).toEqual(['admins', 'staff']);
    expect(resource(template, 'AWS::Cognito::UserPoolDomain', 'UserPoolDomain').props.Domain).toBe('bff-app-example-com');
  });
});

describe("the BFF's app client", () => {
  const bff = client('UserPoolBffClient');

  it('is confidential and uses the authorization code flow only, with the scopes the BFF asks for', () => {
    expect(bff.GenerateSecret).toBe(true);
    expect(bff.AllowedOAuthFlows).toEqual(['code']);
    expect(bff.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(scopesOf(bff)).toEqual(['email', 'openid', 'profile']);
    expect(scopesOf(bff)).toEqual(loadConfig({}).cognito.scopes.split(' ').sort());
    expect(bff.SupportedIdentityProviders).toEqual(['COGNITO']);
  });

  it('allows exactly the callback and sign-out URLs the BFF derives from PUBLIC_URL', () => {
    const config = loadConfig({ PUBLIC_URL: `${PUBLIC_URL}/` });
    expect(bff.CallbackURLs).toEqual([`${config.publicUrl}/auth/callback`]);
    expect(bff.LogoutURLs).toEqual([`${config.publicUrl}/`]);
  });

  it('rotates refresh tokens with a grace period, and revokes them at sign-out', () => {
    expect(bff.RefreshTokenRotation).toEqual({ Feature: 'ENABLED', RetryGracePeriodSeconds: 10 });
    expect(bff.EnableTokenRevocation).toBe(true);
    // Cognito refuses the SDK refresh flow next to rotation; the BFF uses the token endpoint
    expect(bff.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH']);
  });

  it('does not reveal whether a user exists', () => {
    expect(bff.PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('has the token validities of the context, and REFRESH_TOKEN_TTL_SECONDS matches the refresh token', () => {
    expect(bff).toMatchObject({ AccessTokenValidity: 15, IdTokenValidity: 15, RefreshTokenValidity: 30 * 24 * 60 });
    expect(bff.TokenValidityUnits).toEqual({ AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' });
    const outputs = template.findOutputs(BFF_OUTPUTS.REFRESH_TOKEN_TTL_SECONDS);
    expect(Number(outputs[BFF_OUTPUTS.REFRESH_TOKEN_TTL_SECONDS]?.Value)).toBe((bff.RefreshTokenValidity as number) * 60);
    const custom = resource(synth({ publicUrl: PUBLIC_URL, accessTokenMinutes: '5', refreshTokenDays: '1', rotationGraceSeconds: '0' }), 'AWS::Cognito::UserPoolClient', 'UserPoolBffClient').props;
    expect(custom).toMatchObject({ AccessTokenValidity: 5, RefreshTokenValidity: 1440, RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 } });
  });
});

describe('the resource server and the machine-to-machine clients', () => {
  it('defines the scopes of client routes and ADMIN_SCOPE', () => {
    expect(server.props.Identifier).toBe('bff');
    expect((server.props.Scopes as { ScopeName: string }[]).map((s) => s.ScopeName).sort()).toEqual(['admin', 'read', 'stats.read']);
  });

  it('gives the BFF a client_credentials client for its client routes, without the admin scope', () => {
    const m2m = client('UserPoolM2mClient');
    expect(m2m.GenerateSecret).toBe(true);
    expect(m2m.AllowedOAuthFlows).toEqual(['client_credentials']);
    expect(scopesOf(m2m)).toEqual(['bff/read', 'bff/stats.read']);
  });

  it('gives back ends that end sessions their own client, holding only ADMIN_SCOPE', () => {
    const admin = client('UserPoolAdminClient');
    expect(admin.AllowedOAuthFlows).toEqual(['client_credentials']);
    expect(scopesOf(admin)).toEqual(['bff/admin']);
    expect(template.findOutputs(BFF_OUTPUTS.ADMIN_SCOPE)[BFF_OUTPUTS.ADMIN_SCOPE]?.Value).toBe('bff/admin');
  });
});

describe('secrets and outputs', () => {
  it('puts each client secret in Secrets Manager, read from Cognito at deploy time, never in an output', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(3);
    for (const s of secrets) expect(render((s.Properties as { SecretString: unknown }).SecretString)).toMatch(/^\{GetAtt \w*DescribeCognitoUserPoolClient\w*\.UserPoolClient\.ClientSecret\}$/);
    const outputs = JSON.stringify(template.toJSON().Outputs);
    expect(outputs).not.toMatch(/DescribeCognitoUserPoolClient|ClientSecret"/);
  });

  it('names every variable the BFF needs, and the secrets by ARN', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    for (const [variable, id] of Object.entries(BFF_OUTPUTS)) expect(outputs[id]?.Description).toMatch(new RegExp(`^${variable}\\b`));
    for (const id of Object.values(BFF_SECRET_OUTPUTS)) expect(render(outputs[id]?.Value)).toMatch(/^\{Ref \w*ClientSecret\w*\}$/);
    expect(render(outputs[BFF_OUTPUTS.COGNITO_ISSUER]?.Value, { 'AWS::URLSuffix': 'amazonaws.com' })).toMatch(/^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/\{Ref UserPool\w+\}$/);
    expect(outputs[BFF_OUTPUTS.PUBLIC_URL]?.Value).toBe(PUBLIC_URL);
  });
});

describe('the context', () => {
  const problems = (ctx: Record<string, string>) => {
    try {
      readSettings((n) => ctx[n]);
      return [];
    } catch (err) {
      if (err instanceof SettingsError) return err.problems;
      throw err;
    }
  };

  it('needs a publicUrl that is an https origin (http only on localhost, with a domainPrefix)', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^publicUrl: required/)]);
    expect(problems({ publicUrl: 'http://app.example.com' })).toEqual([expect.stringMatching(/^publicUrl: must use https/)]);
    expect(problems({ publicUrl: 'https://app.example.com/app' })).toEqual([expect.stringMatching(/^publicUrl: must be an origin/)]);
    expect(problems({ publicUrl: 'http://localhost:5173' })).toEqual([expect.stringMatching(/^domainPrefix: required/)]);
    expect(problems({ publicUrl: 'http://localhost:5173', domainPrefix: 'my-team-dev' })).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(problems({ publicUrl: PUBLIC_URL, mfa: 'sometimes', rotationGraceSeconds: '90', domainPrefix: 'my-cognito', apiScopes: 'admin' })).toEqual([
      expect.stringMatching(/^domainPrefix: may not contain/),
      expect.stringMatching(/^mfa:/),
      expect.stringMatching(/^adminScope: must differ/),
      expect.stringMatching(/^rotationGraceSeconds:/),
    ]);
  });
});
