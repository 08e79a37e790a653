import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENT } from '../../platform/env.ts';
import { DYNAMIC_CONFIG, TEMPORAL_SERVER_VERSION, TESTED_POSTGRES_MAJOR } from '../../platform/server/temporal-cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string> | string[];
  volumes?: string[];
  ports?: string[];
  container_name?: string;
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const gamelakeServices = services.filter(([, s]) => s.build !== undefined);

function envKeys(service: Service): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((e) => e.split('=')[0]!) : Object.keys(env);
}

describe('docker-compose.yml', () => {
  it('has the Temporal server, its UI, PostgreSQL and gamelake workers', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker']));
    expect(compose.services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(gamelakeServices.map(([name]) => name)).toContain('worker');
  });

  it.each(services.map(([name, s]) => [name, s] as const))('pins the image of %s to a version', (_name, service) => {
    expect(service.image).toMatch(/^[\w./-]+:\d+(\.\d+)+$/);
  });

  it.each(gamelakeServices)('sets only environment variables the code reads on %s', (_name, service) => {
    const known = Object.keys(ENVIRONMENT);
    for (const key of envKeys(service)) expect(known, `${key} is not read by gamelake`).toContain(key);
  });

  it('lets the worker scale and share the lake volume at GAMELAKE_DATA_DIR', () => {
    const worker = compose.services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const dataDir = (worker.environment as Record<string, string>).GAMELAKE_DATA_DIR;
    expect(worker.volumes).toContain(`lake:${dataDir}`);
    expect(compose.volumes).toHaveProperty('lake');
  });

  it('runs the Temporal release, dynamic config and PostgreSQL major the cluster tier tests', () => {
    const temporal = compose.services.temporal!;
    expect(temporal.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION.replace(/^v/, '')}`);
    const env = temporal.environment as Record<string, string>;
    const mount = temporal.volumes!.find((v) => v.endsWith(`:${env.DYNAMIC_CONFIG_FILE_PATH}:ro`));
    expect(mount && path.resolve(ROOT, mount.split(':')[0]!)).toBe(DYNAMIC_CONFIG);
    expect(compose.services.postgresql!.image).toMatch(new RegExp(`^postgres:${TESTED_POSTGRES_MAJOR}\\.`));
  });

  it('pins the Dockerfile base image', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24\.\d+\.\d+-[\w-]+$/m);
  });
});
