#!/usr/bin/env node
// `npx cdk deploy -c publicUrl=https://app.example.com` (run in deploy/cdk): see docs/real-cognito.md.
import { App } from 'aws-cdk-lib';
import { BffCognitoStack } from '../lib/bff-cognito-stack.js';
import { readSettings, SettingsError } from '../lib/settings.js';

const app = new App();
try {
  const settings = readSettings((name) => app.node.tryGetContext(name));
  const stackName = String(app.node.tryGetContext('stackName') ?? 'CognitoBff');
  new BffCognitoStack(app, stackName, settings, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'Cognito user pool and app clients for the cognito-bff Backend-for-Frontend',
  });
} catch (err) {
  if (err instanceof SettingsError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
