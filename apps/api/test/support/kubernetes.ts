import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Namespace, ConfigMap, Service, Secret } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';

/** deploy/kubernetes, the manifests users apply (and ingress-nginx/, the forward-auth example). */
export const KUBERNETES_DIR = fileURLToPath(new URL('../../../../deploy/kubernetes', import.meta.url));

/** One object of a manifest file. */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // the tests read the fields they check by path; the schemas have already validated the shapes
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
}

/** Every `*.yaml` under deploy/kubernetes, each document of each file, in file order. */
export function loadManifests(dir = KUBERNETES_DIR): Manifest[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (/\.ya?ml$/.test(entry.name)) files.push(join(d, entry.name));
    }
  };
  walk(dir);
  return files.flatMap((path) => {
    const file = relative(dir, path);
    return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return { file, ...(doc.toJS() as Omit<Manifest, 'file'>) };
    });
  });
}

/**
 * The models of kubernetes-models, generated from the official Kubernetes OpenAPI schemas; their
 * `validate()` checks types, required fields, enums and formats against those schemas, offline.
 */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
};

/** The schema problems of one manifest (`[]` when valid), each prefixed with its file and object. */
export function schemaProblems(m: Manifest): string[] {
  const where = `${m.file}: ${m.kind}/${m.metadata?.name}`;
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!Model) return [`${where}: no schema for ${m.apiVersion} ${m.kind} (add its model to test/support/kubernetes.ts)`];
  const { file: _file, ...object } = m;
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
}

/** The object of `kind` named `name`; throws when there is not exactly one. */
export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
  return found[0] as Manifest;
}
