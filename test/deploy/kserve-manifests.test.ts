import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ClusterServingRuntime, InferenceService } from '../fixtures/kserve/kinds.js';

const root = new URL('../../', import.meta.url);
const load = (file: string): unknown => parse(readFileSync(new URL(file, root), 'utf8'));
const problems = (schema: Parameters<typeof Value.Errors>[0], value: unknown) =>
  [...Value.Errors(schema, value)].map((e) => `${e.path}: ${e.message}`);

interface Runtime {
  metadata: { name: string };
  spec: {
    supportedModelFormats: { name: string; version?: string; autoSelect?: boolean }[];
    protocolVersions: string[];
    containers: { name: string; args: string[]; ports: { containerPort: number }[]; env: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
      readinessProbe: { httpGet: { path: string; port: number } }; livenessProbe: { httpGet: { path: string; port: number } };
      volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; resources: { requests: Record<string, string> } }[];
    volumes: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
  };
}

describe('deploy/kserve', () => {
  const runtime = load('deploy/kserve/hearth-runtime.yaml') as Runtime;
  const isvc = load('deploy/kserve/inferenceservice-example.yaml') as { spec: { predictor: { model: { runtime: string; modelFormat: { name: string } } } } };

  it('uses only the fields KServe defines for ClusterServingRuntime and InferenceService, with their types', () => {
    expect(problems(ClusterServingRuntime, runtime)).toEqual([]);
    expect(problems(InferenceService, isvc)).toEqual([]);
  });

  it('the schema check can fail: a misspelt field or a wrong type is caught', () => {
    const bad = structuredClone(runtime) as unknown as { spec: Record<string, unknown> };
    bad.spec.protocolVersion = ['v2'];
    expect(problems(ClusterServingRuntime, bad).length).toBeGreaterThan(0);
    const badType = structuredClone(runtime);
    (badType.spec.supportedModelFormats[0] as { version: unknown }).version = 1;
    expect(problems(ClusterServingRuntime, badType).length).toBeGreaterThan(0);
  });

  it('is the runtime KServe expects: kserve-container on 8080, ONNX v1, v2 protocol, /mnt/models and {{.Name}}', () => {
    const c = runtime.spec.containers[0];
    expect(c.name).toBe('kserve-container');
    expect(runtime.spec.supportedModelFormats[0]).toMatchObject({ name: 'onnx', version: '1', autoSelect: true });
    expect(runtime.spec.protocolVersions).toEqual(['v2']);
    expect(c.ports[0].containerPort).toBe(8080);
    expect(c.args).toEqual(expect.arrayContaining(['serve', '--model-repository=/mnt/models', '--model-name={{.Name}}', '--port=8080', '--require-api-key']));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
    expect(c.env.find((e) => e.name === 'HEARTH_ADMIN_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe('hearth-admin');
    const dataArg = c.args.find((a) => a.startsWith('--data-dir='))?.split('=')[1];
    const mount = c.volumeMounts.find((m) => m.mountPath === dataArg);
    expect(runtime.spec.volumes.find((v) => v.name === mount?.name)?.emptyDir).toEqual({});
    expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(isvc.spec.predictor.model).toMatchObject({ runtime: runtime.metadata.name, modelFormat: { name: 'onnx' } });
  });

  it('gives every pod the same API keys: --keys-file in a read-only folder mount of the Secret hearth-keys', () => {
    const c = runtime.spec.containers[0];
    const keysFile = c.args.find((a) => a.startsWith('--keys-file='))?.slice('--keys-file='.length);
    expect(keysFile).toMatch(/^\/.+\.json$/);
    // The file's own folder is the mount: a subPath mount of the file would never see the Secret change.
    const mount = c.volumeMounts.find((m) => m.mountPath === path.posix.dirname(keysFile ?? ''));
    expect(mount?.readOnly).toBe(true);
    expect(runtime.spec.volumes.find((v) => v.name === mount?.name)?.secret).toEqual({ secretName: 'hearth-keys' });
  });
});
