import { shouldCreateDemoUsers } from '../api/auth/users';
import { loadConfig } from '../platform/config';

describe('demo users on the first start', () => {
  test('made under the embedded defaults, not on a DATABASE_URL deployment, unless DEMO_USERS says otherwise', () => {
    const deployment = 'postgres://coord:secret@db.internal:5432/coord';
    expect(shouldCreateDemoUsers(loadConfig({}))).toBe(true);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment }))).toBe(false);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment, DEMO_USERS: 'true' }))).toBe(true);
    expect(shouldCreateDemoUsers(loadConfig({ DEMO_USERS: 'false' }))).toBe(false);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment, DEMO_USERS: 'false' }))).toBe(false);
    // A Temporal cluster alone does not make it a deployment's database.
    expect(shouldCreateDemoUsers(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toBe(true);
  });

  test('DEMO_USERS is true or false; anything else fails at start with its name', () => {
    expect(loadConfig({ DEMO_USERS: 'true' }).DEMO_USERS).toBe(true);
    expect(loadConfig({}).DEMO_USERS).toBeUndefined();
    expect(() => loadConfig({ DEMO_USERS: 'yes' })).toThrow(/DEMO_USERS/);
  });
});
