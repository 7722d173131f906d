import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type {
  UserPoolClient} from 'aws-cdk-lib/aws-cognito';
import {
  AccountRecovery,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  UserPoolClientIdentityProvider,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { BFF_OUTPUTS, BFF_SECRET_OUTPUTS, INFO_OUTPUTS } from './outputs.js';
import type { BffPoolSettings, MfaMode } from './settings.js';

/** The scopes the BFF asks for at sign-in (`COGNITO_SCOPES`'s default). */
export const USER_SCOPES = ['openid', 'email', 'profile'] as const;

const MFA: Record<MfaMode, Mfa> = { off: Mfa.OFF, optional: Mfa.OPTIONAL, required: Mfa.REQUIRED };

/**
 * Everything of Cognito the BFF depends on (docs/real-cognito.md): the user pool, its domain,
 * the BFF's confidential app client for the code flow, a resource server, the machine-to-machine
 * client for `client` routes, a client for back ends that end sessions (`ADMIN_SCOPE`), and each
 * client secret in Secrets Manager. Each choice that a guarantee of the BFF rests on is asserted
 * in test/stack.test.ts.
 */
export class BffCognitoStack extends Stack {
  constructor(scope: Construct, id: string, settings: BffPoolSettings, props?: StackProps) {
    super(scope, id, props);
    const s = settings;

    const pool = new UserPool(this, 'UserPool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      selfSignUpEnabled: s.selfSignUp,
      mfa: MFA[s.mfa],
      ...(s.mfa === 'off' ? {} : { mfaSecondFactor: { otp: true, sms: false } }),
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // losing the pool loses every user: keep it when the stack goes
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: s.domainPrefix } });
    s.groups.forEach((groupName, i) => new UserPoolGroup(this, `Group${i}`, { userPool: pool, groupName }));

    const apiScopes = s.apiScopes.map((scopeName) => new ResourceServerScope({ scopeName, scopeDescription: `client routes: ${scopeName}` }));
    const adminScope = new ResourceServerScope({ scopeName: s.adminScope, scopeDescription: 'end a user\'s sessions (DELETE /admin/users/{sub}/sessions)' });
    const server = pool.addResourceServer('ResourceServer', { identifier: s.resourceServerId, scopes: [...apiScopes, adminScope] });

    // The BFF's own client: confidential, code flow only, its callback and sign-out URLs from
    // PUBLIC_URL exactly as the BFF builds them (contract: "Configuration").
    const bff = pool.addClient('BffClient', {
      generateSecret: true,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${s.publicUrl}/auth/callback`],
        logoutUrls: [`${s.publicUrl}/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(s.accessTokenMinutes),
      idTokenValidity: Duration.minutes(s.idTokenMinutes),
      refreshTokenValidity: Duration.days(s.refreshTokenDays),
      // rotation on: a stolen refresh token is spent at the next refresh; the BFF keeps the new one (ADR 0005)
      refreshTokenRotationGracePeriod: Duration.seconds(s.rotationGraceSeconds),
    });

    // Cognito refuses client_credentials to a client that signs users in, hence separate clients.
    const machineClient = (name: string, scopes: ResourceServerScope[]): UserPoolClient =>
      pool.addClient(name, {
        generateSecret: true,
        oAuth: { flows: { clientCredentials: true }, scopes: scopes.map((sc) => OAuthScope.resourceServer(server, sc)) },
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.minutes(s.accessTokenMinutes),
      });
    const m2m = machineClient('M2mClient', apiScopes);
    // A back end that ends sessions gets its own client: the BFF's M2M secret never grants ADMIN_SCOPE.
    const admin = machineClient('AdminClient', [adminScope]);

    const secretOf = (name: string, client: UserPoolClient, what: string) =>
      new Secret(this, name, { description: `Client secret of the ${what} (${client.node.path})`, secretStringValue: client.userPoolClientSecret });
    const bffSecret = secretOf('BffClientSecret', bff, 'BFF\'s app client (COGNITO_CLIENT_SECRET)');
    const m2mSecret = secretOf('M2mClientSecret', m2m, 'BFF\'s machine-to-machine client (COGNITO_M2M_CLIENT_SECRET)');
    const adminSecret = secretOf('AdminClientSecret', admin, 'client of back ends that end sessions');

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    const scopeName = (sc: ResourceServerScope) => `${s.resourceServerId}/${sc.scopeName}`;
    output(BFF_OUTPUTS.PUBLIC_URL, s.publicUrl, 'PUBLIC_URL');
    output(BFF_OUTPUTS.COGNITO_ISSUER, `https://cognito-idp.${this.region}.${this.urlSuffix}/${pool.userPoolId}`, 'COGNITO_ISSUER');
    output(BFF_OUTPUTS.COGNITO_CLIENT_ID, bff.userPoolClientId, 'COGNITO_CLIENT_ID');
    output(BFF_OUTPUTS.COGNITO_SCOPES, USER_SCOPES.join(' '), 'COGNITO_SCOPES');
    output(BFF_OUTPUTS.COGNITO_M2M_CLIENT_ID, m2m.userPoolClientId, 'COGNITO_M2M_CLIENT_ID');
    output(BFF_OUTPUTS.REFRESH_TOKEN_TTL_SECONDS, String(s.refreshTokenDays * 86_400), 'REFRESH_TOKEN_TTL_SECONDS (the BFF client\'s refresh token validity)');
    output(BFF_OUTPUTS.ADMIN_SCOPE, scopeName(adminScope), 'ADMIN_SCOPE');
    output(BFF_OUTPUTS.ADMIN_CLIENT_IDS, admin.userPoolClientId, 'ADMIN_CLIENT_IDS');
    output(BFF_SECRET_OUTPUTS.COGNITO_CLIENT_SECRET, bffSecret.secretArn, 'Secrets Manager ARN of COGNITO_CLIENT_SECRET');
    output(BFF_SECRET_OUTPUTS.COGNITO_M2M_CLIENT_SECRET, m2mSecret.secretArn, 'Secrets Manager ARN of COGNITO_M2M_CLIENT_SECRET');
    output(INFO_OUTPUTS.userPoolId, pool.userPoolId, 'user pool id (aws cognito-idp admin-create-user --user-pool-id …)');
    output(INFO_OUTPUTS.hostedDomain, domain.baseUrl(), 'the hosted / managed login domain');
    output(INFO_OUTPUTS.apiScopes, apiScopes.map(scopeName).join(' '), 'scopes for the "scopes" of client routes in the route table');
    output(INFO_OUTPUTS.adminClientSecretArn, adminSecret.secretArn, 'Secrets Manager ARN of the admin client\'s secret (for the back end, not the BFF)');
  }
}
