import fs from 'node:fs';
import path from 'node:path';
import { cachedCliPath, locateTemporalCli } from '../platform/temporal-cli';
import { testRun } from './setup/run';

/** The documented lookup order: TEMPORAL_CLI, then PATH, then the cache. Real files on disk, no build. */
describe('finding the Temporal CLI', () => {
  const root = () => path.join(testRun().runDir, 'cli-lookup');
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  function executable(file: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/bin/sh\necho temporal\n', { mode: 0o755 });
    return file;
  }

  test('TEMPORAL_CLI wins, and a path that is not executable is an error that names the variable', () => {
    const explicit = executable(path.join(root(), 'explicit', 'temporal'));
    expect(locateTemporalCli({ cacheDir: root(), version: 'v1.5.1', explicit })).toEqual({ path: explicit, source: 'TEMPORAL_CLI' });
    expect(() => locateTemporalCli({ cacheDir: root(), version: 'v1.5.1', explicit: path.join(root(), 'missing') })).toThrow(/TEMPORAL_CLI=/);
  });

  test('then `temporal` on PATH, then the cache', () => {
    const cacheDir = path.join(root(), 'cache');
    const cached = executable(cachedCliPath(cacheDir, 'v1.5.1'));
    process.env.PATH = path.join(root(), 'empty-bin');
    expect(locateTemporalCli({ cacheDir, version: 'v1.5.1' })).toEqual({ path: cached, source: 'cache' });

    const onPath = executable(path.join(root(), 'bin', 'temporal'));
    process.env.PATH = path.join(root(), 'bin');
    expect(locateTemporalCli({ cacheDir, version: 'v1.5.1' })).toEqual({ path: onPath, source: 'PATH' });

    process.env.PATH = path.join(root(), 'empty-bin');
    expect(locateTemporalCli({ cacheDir: path.join(root(), 'no-cache'), version: 'v1.5.1' })).toBeUndefined();
  });
});
