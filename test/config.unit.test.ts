import { defaultHost, loadConfig } from '../platform/config';
import { workerSettings } from '../platform/worker';

describe('loadConfig', () => {
  test('HOST: loopback under the embedded defaults, every interface with external services, and as given when set', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/coord' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/coord', TEMPORAL_ADDRESS: 'temporal:7233' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '10.1.2.3', DATABASE_URL: 'postgres://u:p@db:5432/coord' }).HOST).toBe('10.1.2.3');
    expect(loadConfig({ HOST: '' }).HOST).toBe('127.0.0.1');
    expect(defaultHost({})).toBe('127.0.0.1');
  });

  test('METRICS_TOKEN: unset (or empty) leaves /metrics open, else it is passed on as given', () => {
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token' }).METRICS_TOKEN).toBe('scrape-token');
  });

  test('a bad value fails with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  test('WORKER_MAX_CACHED_WORKFLOWS: unset leaves the SDK its default; a number reaches the worker settings', () => {
    expect(workerSettings(loadConfig({})).maxCachedWorkflows).toBeUndefined();
    expect(workerSettings(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '2000' })).maxCachedWorkflows).toBe(2000);
  });
});
