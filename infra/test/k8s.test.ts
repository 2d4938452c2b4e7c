import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { needsOf, SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

// The Kubernetes manifests (infra/k8s: a kustomize base and dev/prod overlays), with no cluster:
// each overlay rendered, every object validated against the Kubernetes API's schemas
// (kubernetes-models: the OpenAPI schemas of each kind, compiled to validators; and its TypeScript
// interfaces for fields no schema has), and the deployment's policies checked on what would be applied.
//
// Rendering: the overlays use only what this file implements of kustomize (resources, namespace,
// images, and `patches` holding JSON 6902 operations with a kind/name target), applied in
// kustomize's order (patches, then namespace and images); any other kustomization field fails the
// test rather than being ignored. Where a kubectl is installed (it embeds kustomize), the test also
// renders each overlay with `kubectl kustomize` and requires the same objects.

const root = resolve(import.meta.dirname, '../..');
const k8s = join(root, 'infra/k8s');
const OVERLAYS = ['dev', 'prod'] as const;
const SERVICES = ['gateway', ...SUBGRAPH_NAMES] as const;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

/** kustomize build, for the subset the overlays use (above). */
export function render(dir: string): Manifest[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources?: string[];
    namespace?: string;
    images?: { name: string; newName?: string; newTag?: string }[];
    patches?: { path: string; target: { kind: string; name?: string } }[];
  };
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${dir}: kustomization fields this renderer does not implement: ${unsupported.join(', ')}`);
  let manifests: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) manifests.push(...render(path));
    else manifests.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((document) => document.toJSON() as Manifest).filter(Boolean));
  }
  for (const patch of kustomization.patches ?? []) {
    const operations = parse(readFileSync(join(dir, patch.path), 'utf8')) as Operation[];
    const matches = (m: Manifest) => m.kind === patch.target.kind && (patch.target.name === undefined || m.metadata.name === patch.target.name);
    if (!manifests.some(matches)) throw new Error(`${dir}: patch ${patch.path} matches nothing`);
    manifests = manifests.map((m) => (matches(m) ? (fastJsonPatch.applyPatch(structuredClone(m), operations, true, false).newDocument as Manifest) : m));
  }
  for (const m of manifests) {
    if (kustomization.namespace) m.metadata.namespace = kustomization.namespace;
    for (const container of m.spec?.template?.spec?.containers ?? []) {
      const [, name, rest] = /^([^:@]+)(.*)$/.exec(container.image as string)!;
      const image = kustomization.images?.find((i) => i.name === name);
      if (image) container.image = `${image.newName ?? name}${image.newTag ? `:${image.newTag}` : rest}`;
    }
  }
  return manifests;
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** Each object's schema errors (kubernetes-models), or a note that its kind is not known here. */
function schemaProblems(manifests: Manifest[]): string[] {
  return manifests.flatMap((m) => {
    const Model = MODELS[`${m.apiVersion}/${m.kind}`];
    if (!Model) return [`${m.kind} ${m.metadata?.name}: ${m.apiVersion} ${m.kind} is not a kind this test validates`];
    try {
      new Model(m).validate();
      return [];
    } catch (error) {
      return [`${m.kind} ${m.metadata.name}: ${(error as Error).message}`];
    }
  });
}

/**
 * Unknown fields, which the schemas' validators let pass (as the API server does unless asked to
 * be strict, and a misspelt field is then silently ignored): each object type-checked as an object
 * literal against kubernetes-models' TypeScript interface for its kind (generated from the same
 * OpenAPI schemas), whose excess-property check names a field no schema has. TypeScript reports the
 * first such field of each object.
 */
const INTERFACES: Record<string, [module: string, name: string]> = {
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'IDeployment'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'ISecret'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'IHorizontalPodAutoscaler'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'IPodDisruptionBudget'],
  'networking.k8s.io/v1/NetworkPolicy': ['kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'INetworkPolicy'],
};

function unknownFieldProblems(manifests: Manifest[]): string[] {
  const file = join(root, 'infra/test/__rendered-manifests__.ts');
  const lines: string[] = [];
  manifests.forEach((m, index) => {
    const [module, name] = INTERFACES[`${m.apiVersion}/${m.kind}`] ?? [];
    if (!module) return;
    lines.push(`import type { ${name} as T${index} } from '${module}';`, `export const m${index}: T${index} = ${JSON.stringify(m)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => path === file || fileExists.call(host, path);
  host.readFile = (path) => (path === file ? source : readFile.call(host, path));
  host.getSourceFile = (path, language, ...rest) => (path === file ? ts.createSourceFile(path, source, language) : getSourceFile.call(host, path, language, ...rest));
  return ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).map((diagnostic) => {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
    const manifest = manifests[Number(/^export const m(\d+)/.exec(source.split('\n')[line] ?? '')?.[1] ?? -1)];
    return `${manifest ? `${manifest.kind} ${manifest.metadata.name}: ` : ''}${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

/** The names in the root README's settings tables (first column, in backticks). */
function readmeSettings(): Set<string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Settings'), readme.indexOf('\n## ', readme.indexOf('\n## Settings') + 1));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\|([^|]+)\|/.exec(line)?.[1];
    for (const match of first?.matchAll(/`([A-Z][A-Z0-9_]*)`/g) ?? []) names.add(match[1]!);
  }
  return names;
}

const matchesLabels = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

/** A pod that might call another: its labels and namespace labels. */
type Caller = { name: string; labels: Record<string, string>; namespace: 'own' | Record<string, string> };

/** Whether the NetworkPolicies let `caller` reach pods labelled `target` (ingress only, as the manifests restrict only ingress). */
function admits(policies: Manifest[], target: Record<string, string>, caller: Caller): boolean {
  const selecting = policies.filter((p) => matchesLabels(p.spec.podSelector?.matchLabels, target) && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (selecting.length === 0) return true; // no policy: Kubernetes admits everything
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some((rule: { from?: { podSelector?: any; namespaceSelector?: any }[] }) => {
      if (!rule.from || rule.from.length === 0) return true;
      return rule.from.some((peer) => {
        const namespaceOk = peer.namespaceSelector ? caller.namespace !== 'own' && matchesLabels(peer.namespaceSelector.matchLabels, caller.namespace) : caller.namespace === 'own';
        const podOk = peer.podSelector ? matchesLabels(peer.podSelector.matchLabels, caller.labels) : true;
        return namespaceOk && podOk;
      });
    }),
  );
}

const podLabels = (service: string) => ({ 'app.kubernetes.io/name': `organoise-${service}`, 'app.kubernetes.io/part-of': 'organoise' });
const PROMETHEUS: Caller = { name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' }, namespace: { 'kubernetes.io/metadata.name': 'monitoring' } };
const CALLERS: Caller[] = [
  ...SERVICES.map((service) => ({ name: service, labels: podLabels(service), namespace: 'own' as const })),
  { name: 'another pod of the namespace', labels: { app: 'debug' }, namespace: 'own' },
  { name: 'a pod of another namespace', labels: { 'app.kubernetes.io/name': 'organoise-gateway' }, namespace: { 'kubernetes.io/metadata.name': 'elsewhere' } },
  PROMETHEUS,
];

/** Every way the rendered manifests break the deployment's policies; empty when they keep them all. */
export function policyProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const settings = readmeSettings();
  const deployments = ofKind('Deployment');
  const policies = ofKind('NetworkPolicy');
  const configMaps = new Map(ofKind('ConfigMap').map((m) => [m.metadata.name, m]));
  const secrets = new Map(ofKind('Secret').map((m) => [m.metadata.name, m]));

  const names = deployments.map((d) => d.metadata.name).sort();
  if (JSON.stringify(names) !== JSON.stringify(SERVICES.map((s) => `organoise-${s}`).sort())) problems.push(`Deployments ${names.join(', ')} are not one per service`);

  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const pod = deployment.spec.template;
    const labels = pod.metadata?.labels ?? {};
    if (!matchesLabels(deployment.spec.selector?.matchLabels, labels)) problems.push(`${name}: its selector does not select its pods`);
    if (pod.spec.securityContext?.runAsNonRoot !== true || !(pod.spec.securityContext?.runAsUser > 0)) problems.push(`${name}: pods not set to run as a non-root user`);
    const spread = pod.spec.topologySpreadConstraints ?? [];
    if (!spread.some((c: any) => c.topologyKey === 'kubernetes.io/hostname' && matchesLabels(c.labelSelector?.matchLabels, labels))) problems.push(`${name}: no topology spread over nodes for its own pods`);
    if (!spread.some((c: any) => c.topologyKey === 'topology.kubernetes.io/zone' && matchesLabels(c.labelSelector?.matchLabels, labels))) problems.push(`${name}: no topology spread over zones for its own pods`);
    const annotations = pod.metadata?.annotations ?? {};
    if (annotations['prometheus.io/scrape'] !== 'true' || !annotations['prometheus.io/port']) problems.push(`${name}: not annotated for Prometheus`);
    for (const container of pod.spec.containers ?? []) {
      const where = `${name}/${container.name}`;
      const ports = new Map<string, number>((container.ports ?? []).map((p: any) => [p.name, p.containerPort]));
      const portOf = (port: string | number) => (typeof port === 'number' ? port : ports.get(port));
      const env = new Map<string, string>((container.env ?? []).map((e: any) => [e.name, e.value]));
      if (portOf('http') === undefined || String(portOf('http')) !== env.get('PORT')) problems.push(`${where}: its http port is not its PORT setting`);
      if (container.readinessProbe?.httpGet?.path !== '/readyz' || portOf(container.readinessProbe.httpGet.port) !== portOf('http')) problems.push(`${where}: no readiness probe on /readyz`);
      if (container.livenessProbe?.httpGet?.path !== '/healthz' || portOf(container.livenessProbe.httpGet.port) !== portOf('http')) problems.push(`${where}: no liveness probe on /healthz`);
      if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory || !container.resources?.limits?.memory) problems.push(`${where}: resources lack cpu and memory requests and a memory limit`);
      const security = container.securityContext ?? {};
      if (security.allowPrivilegeEscalation !== false || security.readOnlyRootFilesystem !== true || !(security.capabilities?.drop ?? []).includes('ALL')) {
        problems.push(`${where}: security context allows privilege escalation, a writable root or capabilities`);
      }
      if (security.runAsUser === 0 || security.runAsNonRoot === false) problems.push(`${where}: runs as root`);
      if (/:latest$|^[^:]+$/.test(container.image)) problems.push(`${where}: image ${container.image} has no pinned tag`);
      const metricsPort = Number(annotations['prometheus.io/port']);
      if (![...ports.values()].includes(metricsPort)) problems.push(`${where}: Prometheus port ${metricsPort} is not a container port`);
      if (ports.get('metrics') !== undefined && env.get('METRICS_PORT') !== String(ports.get('metrics'))) problems.push(`${where}: metrics port is not METRICS_PORT`);
      // Every setting a container gets is one the README's settings tables name.
      const given = [...env.keys()];
      for (const source of container.envFrom ?? []) {
        const ref = source.configMapRef ?? source.secretRef;
        const object = source.configMapRef ? configMaps.get(ref.name) : secrets.get(ref.name);
        if (!object) problems.push(`${where}: envFrom names ${ref.name}, which is not in the manifests`);
        else given.push(...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {}));
      }
      for (const setting of given) if (!settings.has(setting)) problems.push(`${where}: ${setting} is not a setting in the README`);
    }
    const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef?.name === name);
    if (!hpa) problems.push(`${name}: no HorizontalPodAutoscaler`);
    else if (!(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas)) problems.push(`${name}: autoscaler range ${hpa.spec.minReplicas}..${hpa.spec.maxReplicas}`);
    if (!ofKind('PodDisruptionBudget').some((b) => matchesLabels(b.spec.selector?.matchLabels, labels) && Object.keys(b.spec.selector?.matchLabels ?? {}).length > 0)) problems.push(`${name}: no PodDisruptionBudget`);
  }

  // Who may call whom: each subgraph only from the gateway and the subgraphs that need it (and
  // Prometheus, for /metrics on the same port); the gateway from anyone on its public port.
  for (const subgraph of SUBGRAPH_NAMES) {
    const allowed = CALLERS.filter((caller) => admits(policies, podLabels(subgraph), caller)).map((c) => c.name);
    const expected = ['gateway', ...SUBGRAPH_NAMES.filter((other) => needsOf(other as SubgraphName).includes(subgraph)), 'prometheus'];
    if (JSON.stringify(allowed.sort()) !== JSON.stringify(expected.sort())) problems.push(`${subgraph} subgraph admits ${allowed.join(', ')}; expected only ${expected.join(', ')}`);
  }
  if (!policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 || Object.keys(p.spec.podSelector?.matchLabels ?? {}).length === 0)) problems.push('no default-deny NetworkPolicy for the namespace');

  // Placeholders, never secrets, in the repository.
  for (const secret of secrets.values()) {
    for (const [key, value] of Object.entries({ ...(secret.stringData ?? {}), ...(secret.data ?? {}) })) {
      if (!String(value).includes('REPLACE')) problems.push(`Secret ${secret.metadata.name}: ${key} is not a REPLACE placeholder`);
    }
  }
  const scrape = configMaps.get('organoise-prometheus-scrape');
  const jobs = scrape ? ((parse(scrape.data?.['organoise.yml'] ?? '') as { scrape_configs?: any[] }).scrape_configs ?? []) : [];
  if (!jobs.some((job) => job.kubernetes_sd_configs?.some((sd: any) => sd.role === 'pod') && job.relabel_configs?.some((r: any) => r.source_labels?.includes('__meta_kubernetes_pod_annotation_prometheus_io_scrape') && r.action === 'keep'))) {
    problems.push('no Prometheus scrape job keeping the annotated pods');
  }
  return problems;
}

function kubectl(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  return null;
}
const key = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

describe('the Kubernetes manifests (infra/k8s)', () => {
  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      const manifests = render(join(k8s, 'overlays', overlay));

      it('is valid against the Kubernetes API schemas, object by object', () => {
        expect(manifests.length).toBeGreaterThan(20);
        expect(schemaProblems(manifests)).toEqual([]);
      });

      it('has no field the Kubernetes API does not know (a misspelt one would be ignored)', () => {
        expect(unknownFieldProblems(manifests)).toEqual([]);
      });

      it('keeps the policies: probes, resources, spread, non-root, autoscaler and disruption budget per service, subgraphs reached only from the gateway, README settings, placeholder secrets, scraping', () => {
        expect(policyProblems(manifests)).toEqual([]);
      });

      it.skipIf(kubectl() === null)('renders as kubectl kustomize renders it (skipped where no kubectl is installed)', () => {
        const rendered = parseAllDocuments(execFileSync(kubectl()!, ['kustomize', join(k8s, 'overlays', overlay)], { encoding: 'utf8' })).map((d) => d.toJSON() as Manifest);
        const byKey = (list: Manifest[]) => Object.fromEntries(list.map((m) => [key(m), m]));
        expect(byKey(manifests)).toEqual(byKey(rendered));
      });
    });
  }

  it('dev and prod differ where they should: namespace, image tags, replicas', () => {
    const [dev, prod] = OVERLAYS.map((overlay) => render(join(k8s, 'overlays', overlay)));
    const gateway = (list: Manifest[]) => list.find((m) => m.kind === 'Deployment' && m.metadata.name === 'organoise-gateway')!;
    expect(new Set(dev!.map((m) => m.metadata.namespace))).toEqual(new Set(['organoise-dev']));
    expect(new Set(prod!.map((m) => m.metadata.namespace))).toEqual(new Set(['organoise']));
    expect(gateway(dev!).spec.template.spec.containers[0].image).toMatch(/:dev$/);
    expect(gateway(prod!).spec.template.spec.containers[0].image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(gateway(prod!).spec.replicas).toBeGreaterThan(gateway(dev!).spec.replicas);
  });

  it('names what is wrong when a manifest breaks them (the checks can fail)', () => {
    const broken = render(join(k8s, 'overlays', 'prod')).map((m) => structuredClone(m));
    const workflow = broken.find((m) => m.kind === 'Deployment' && m.metadata.name === 'organoise-workflow')!;
    delete workflow.spec.template.spec.containers[0].readinessProbe;
    workflow.spec.template.spec.securityContext.runAsNonRoot = false;
    workflow.spec.template.spec.containers[0].env.push({ name: 'NOT_A_SETTING', value: 'x' });
    const policy = broken.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'organoise-user')!;
    policy.spec.ingress.push({ ports: [{ port: 'http' }] });
    const withoutHpa = broken.filter((m) => !(m.kind === 'HorizontalPodAutoscaler' && m.metadata.name === 'organoise-file'));
    const secret = withoutHpa.find((m) => m.kind === 'Secret')!;
    secret.stringData = { INTERNAL_TOKEN_SECRET: 'a-real-looking-secret-value-0123456789' };
    expect(policyProblems(withoutHpa)).toEqual(
      expect.arrayContaining([
        'organoise-workflow/workflow: no readiness probe on /readyz',
        'organoise-workflow: pods not set to run as a non-root user',
        'organoise-workflow/workflow: NOT_A_SETTING is not a setting in the README',
        expect.stringMatching(/^user subgraph admits .*another pod of the namespace/),
        'organoise-file: no HorizontalPodAutoscaler',
        `Secret ${secret.metadata.name}: INTERNAL_TOKEN_SECRET is not a REPLACE placeholder`,
      ]),
    );
    workflow.spec.replicas = 'three';
    expect(schemaProblems([workflow])).toEqual([expect.stringContaining('replicas must be integer')]);
    workflow.spec.replicas = 3;
    workflow.spec.template.spec.containers[0].livenessProb = workflow.spec.template.spec.containers[0].livenessProbe;
    expect(unknownFieldProblems([workflow])).toEqual([expect.stringMatching(/^Deployment organoise-workflow: .*'"?livenessProb"?' does not exist in type 'IContainer'/)]);
  });
});
