import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { cleanup, createTestApp, type TestApp } from '@app/api/testing';
import { loadConfig, type Config } from '../src/config/config.js';
import { find, loadManifests, schemaProblems } from './support/kubernetes.js';

// Issue 23: deploy/kubernetes checked offline, against the Kubernetes schemas and against the
// API's own configuration, so the manifests cannot drift from what the code does.
const manifests = loadManifests();
const deployment = find(manifests, 'Deployment', 'cognito-bff');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: { name: string }) => c.name === 'bff');
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
/** The variables the manifest sets literally (what the test can know without the Secret). */
const env: Record<string, string> = Object.fromEntries((container.env as EnvVar[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
const portNamed = (name: string): number => container.ports.find((p: { name: string }) => p.name === name)?.containerPort;
/** A Service's or NetworkPolicy's port (a number or a container port name) as a container port number. */
const containerPort = (port: number | string): number => (typeof port === 'number' ? port : portNamed(port));
const secondsOfSleep = (): number => {
  const command = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
  return command?.[0] === 'sleep' ? Number(command[1]) : 0;
};
/** What the Secret `cognito-bff-env` holds once made from the CDK outputs (deploy/cdk's test checks that part). */
const fromSecret = {
  PUBLIC_URL: 'https://app.example.com',
  COGNITO_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz',
  COGNITO_CLIENT_ID: 'bffclient',
  COGNITO_CLIENT_SECRET: 'bff-client-secret',
  COGNITO_M2M_CLIENT_ID: 'm2mclient',
  COGNITO_M2M_CLIENT_SECRET: 'm2m-client-secret',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
  REDIS_URL: 'rediss://redis.example.internal:6380',
};

let dir: string;
let routesFile: string;
/** The API's configuration for this manifest, as a pod would load it (with the route table at its mount path, rewritten to a temp file). */
let config: Config;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bff-k8s-'));
  routesFile = join(dir, 'routes.json');
  await writeFile(routesFile, find(manifests, 'ConfigMap', 'cognito-bff-routes').data?.['routes.json'] ?? '');
  config = loadConfig({ ...fromSecret, ...env, API_ROUTES_FILE: routesFile });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('deploy/kubernetes', () => {
  it('holds the objects the issue asks for', () => {
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['Deployment/cognito-bff', 'Service/cognito-bff', 'Service/cognito-bff-internal', 'PodDisruptionBudget/cognito-bff', 'HorizontalPodAutoscaler/cognito-bff', 'ConfigMap/cognito-bff-routes', 'NetworkPolicy/cognito-bff', 'Ingress/app']),
    );
  });

  it('is valid against the Kubernetes schemas, every object of every file', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    expect(manifests.flatMap(schemaProblems)).toEqual([]);
  });

  it('describes a configuration the API accepts in production, with the ports the containers expose', () => {
    expect(config.nodeEnv).toBe('production');
    expect(config.port).toBe(portNamed('http'));
    expect(Number(env.INTERNAL_PORT)).toBe(portNamed('internal'));
    expect(env.INTERNAL_HOST).toBe('0.0.0.0'); // the ingress controller and Prometheus are other pods
    // once the API parses INTERNAL_PORT (issue 19) its parsed value must agree too
    expect(config.internal).toEqual({ port: portNamed('internal'), host: '0.0.0.0' });
  });

  it('mounts the route table where API_ROUTES_FILE points, and the API accepts the table', () => {
    const mount = container.volumeMounts.find((v: { mountPath: string }) => env.API_ROUTES_FILE?.startsWith(`${v.mountPath}/`));
    expect(mount, 'a volume mounted at the directory of API_ROUTES_FILE').toBeDefined();
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume.configMap.name).toBe('cognito-bff-routes');
    expect(Object.keys(find(manifests, 'ConfigMap', 'cognito-bff-routes').data ?? {})).toContain(posix.basename(env.API_ROUTES_FILE ?? ''));
    expect(config.routes.map((r) => r.prefix)).toEqual(['/api', '/api/orders', '/api/stats', '/api/live']);
  });

  it('takes the secrets from the Secret the docs create, under names the API reads', () => {
    const refs = (container.env as EnvVar[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom?.secretKeyRef);
    expect(refs.map((r) => r?.name)).toEqual(refs.map(() => 'cognito-bff-env'));
    expect(refs.map((r) => r?.key).sort()).toEqual(['COGNITO_CLIENT_SECRET', 'SESSION_SECRET']);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'cognito-bff-env' } }]);
  });

  it('fits the drain and the grace period inside terminationGracePeriodSeconds, and drains longer than readiness takes to notice', () => {
    const readiness = container.readinessProbe;
    const noticedMs = (readiness.periodSeconds * readiness.failureThreshold + readiness.periodSeconds + readiness.timeoutSeconds) * 1000;
    expect(config.shutdownDrainMs).toBeGreaterThanOrEqual(noticedMs);
    const exitMs = 1000; // closing Redis and exiting
    expect(secondsOfSleep() * 1000 + config.shutdownDrainMs + config.shutdownGraceMs + exitMs).toBeLessThanOrEqual(pod.terminationGracePeriodSeconds * 1000);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('runs unprivileged, as the image\'s node user, on a read-only root filesystem', async () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    const dockerfile = await readFile(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m); // uid 1000 in the official node images
  });

  it('requests and limits memory above the benchmark\'s peak RSS and the image\'s heap cap', async () => {
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1]);
    const dockerfile = await readFile(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(dockerfile)?.[1]);
    const peakRssMiB = 150 / 1.048576; // docs/benchmarks.md: peak RSS 143-150 MB with that cap
    expect(mib(container.resources.requests.memory)).toBeGreaterThan(peakRssMiB);
    expect(mib(container.resources.limits.memory)).toBeGreaterThanOrEqual(mib(container.resources.requests.memory));
    expect(mib(container.resources.limits.memory)).toBeGreaterThan(heapMiB + 64);
    expect(container.resources.requests.cpu).toMatch(/^\d+m$/);
  });

  it('sends each Service to the port it is named for', () => {
    const publicSvc = find(manifests, 'Service', 'cognito-bff');
    const internalSvc = find(manifests, 'Service', 'cognito-bff-internal');
    expect(publicSvc.spec.ports.map((p: { targetPort: string | number }) => containerPort(p.targetPort))).toEqual([config.port]);
    expect(internalSvc.spec.ports.map((p: { targetPort: string | number }) => containerPort(p.targetPort))).toEqual([Number(env.INTERNAL_PORT)]);
    for (const svc of [publicSvc, internalSvc]) expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('lets only the ingress controller and Prometheus reach the internal port', () => {
    const policy = find(manifests, 'NetworkPolicy', 'cognito-bff');
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(policy.spec.policyTypes).toContain('Ingress');
    type Rule = { ports?: { port: number | string }[]; from?: { podSelector?: { matchLabels?: Record<string, string> } }[] };
    const reaching = (port: number) => (policy.spec.ingress as Rule[]).filter((r) => !r.ports || r.ports.some((p) => containerPort(p.port) === port));
    const internalRules = reaching(Number(env.INTERNAL_PORT));
    expect(internalRules).toHaveLength(1);
    const peers = internalRules[0]?.from ?? [];
    expect(peers.map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/name']).sort()).toEqual(['ingress-nginx', 'prometheus']);
    expect(reaching(config.port)).toHaveLength(1);
  });

  it('keeps an instance up during disruptions and scales the Deployment on CPU', () => {
    const pdb = find(manifests, 'PodDisruptionBudget', 'cognito-bff');
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'cognito-bff');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cognito-bff' });
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
  });

  it('puts the second service behind forward auth on the internal listener, with the headers set, never passed', () => {
    const app = find(manifests, 'Ingress', 'app');
    const a = app.metadata.annotations ?? {};
    const internalSvc = find(manifests, 'Service', 'cognito-bff-internal');
    const authUrl = new URL(a['nginx.ingress.kubernetes.io/auth-url'] ?? '');
    expect(authUrl.hostname).toBe(`${internalSvc.metadata.name}.${internalSvc.metadata.namespace}.svc.cluster.local`);
    const svcPort = internalSvc.spec.ports.find((p: { port: number }) => p.port === Number(authUrl.port));
    expect(containerPort(svcPort?.targetPort)).toBe(Number(env.INTERNAL_PORT));
    expect(authUrl.pathname).toBe('/auth/check');
    const copied = (a['nginx.ingress.kubernetes.io/auth-response-headers'] ?? '').split(',').map((h: string) => h.trim().toLowerCase());
    expect(copied.sort()).toEqual(['authorization', 'x-auth-request-email', 'x-auth-request-groups', 'x-auth-request-user']);
    const [ns, name] = (a['nginx.ingress.kubernetes.io/auth-proxy-set-headers'] ?? '').split('/');
    const setOnCheck = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === ns && m.metadata.name === name);
    expect(setOnCheck?.data).toEqual({ 'X-Forwarded-Method': '$request_method' });
    // the BFF's own routes are on the same host, so the browser's cookie reaches both
    const bffIngress = find(manifests, 'Ingress', 'cognito-bff');
    expect(bffIngress.spec.rules.map((r: { host: string }) => r.host)).toEqual(app.spec.rules.map((r: { host: string }) => r.host));
    expect(`https://${app.spec.rules[0].host}`).toBe(fromSecret.PUBLIC_URL);
    expect(containerPort(find(manifests, 'Service', bffIngress.spec.rules[0].http.paths[0].backend.service.name).spec.ports[0].targetPort)).toBe(config.port);
  });
});

describe('the probes', () => {
  let idp: SpawnedEmulator;
  let bff: TestApp;
  beforeAll(async () => {
    idp = await spawnEmulator({ port: 0 });
    bff = await createTestApp({ ...env, NODE_ENV: 'test', COGNITO_ISSUER: idp.issuer, API_ROUTES_FILE: routesFile });
  });
  afterAll(async () => {
    await bff?.close();
    await cleanup();
    await idp?.stop();
  });

  it('ask routes the API serves: readiness answers 200 once Redis and discovery are up, liveness 200', async () => {
    const readiness = container.readinessProbe.httpGet;
    const liveness = container.livenessProbe.httpGet;
    expect(containerPort(readiness.port)).toBe(config.port);
    expect(containerPort(liveness.port)).toBe(config.port);
    await request(bff.app).get(liveness.path).expect(200);
    await bff.deps.oidc.configuration();
    await request(bff.app).get(readiness.path).expect(200);
  });
});
