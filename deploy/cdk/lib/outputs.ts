/**
 * The stack's outputs, one per setting of the BFF (apps/api/src/config/config.ts, docs/configuration.md).
 * The stack writes them and scripts/outputs-to-env.ts reads them from this one table, so
 * `cdk deploy --outputs-file` → `.env` is mechanical. CloudFormation output ids are alphanumeric,
 * hence the second name.
 */
export const BFF_OUTPUTS = {
  PUBLIC_URL: 'PublicUrl',
  COGNITO_ISSUER: 'CognitoIssuer',
  COGNITO_CLIENT_ID: 'CognitoClientId',
  COGNITO_SCOPES: 'CognitoScopes',
  COGNITO_M2M_CLIENT_ID: 'CognitoM2mClientId',
  REFRESH_TOKEN_TTL_SECONDS: 'RefreshTokenTtlSeconds',
  ADMIN_SCOPE: 'AdminScope',
  ADMIN_CLIENT_IDS: 'AdminClientIds',
} as const;

/**
 * Secrets Manager ARNs of the client secrets (never the secrets themselves): the variable each
 * one's value goes into, and the output that names the secret.
 */
export const BFF_SECRET_OUTPUTS = {
  COGNITO_CLIENT_SECRET: 'CognitoClientSecretArn',
  COGNITO_M2M_CLIENT_SECRET: 'CognitoM2mClientSecretArn',
} as const;

/** Outputs that are not BFF settings but that a newcomer needs next (creating users, the admin back end, routes). */
export const INFO_OUTPUTS = {
  userPoolId: 'UserPoolId',
  hostedDomain: 'HostedDomain',
  apiScopes: 'ApiScopes',
  adminClientSecretArn: 'AdminClientSecretArn',
} as const;

export type BffVariable = keyof typeof BFF_OUTPUTS;
export type BffSecretVariable = keyof typeof BFF_SECRET_OUTPUTS;
