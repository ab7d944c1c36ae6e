import type { Knex } from 'knex';
import * as catalog from './001_catalog';
import * as calendar from './002_calendar';
import * as items from './003_item_records';
import * as notifications from './004_notifications';
import * as users from './005_users';
import * as periodsOnTimeOriginal from './006_periods_on_time_original';
import * as assignmentsAssignedOn from './007_assignments_assigned_on';
import * as assignmentsReopen from './008_assignments_reopen';
import * as loginAttempts from './009_login_attempts';
import * as signingKeys from './010_signing_keys';
import * as boardReadIndexes from './011_board_read_indexes';
import * as supervisionNotices from './012_supervision_notices';
import * as scheduleProgress from './013_schedule_progress';
import * as supervisionLoop from './014_supervision_loop';
import * as assessments from './015_assessments';
import * as coopAcknowledges from './016_coop_acknowledges';
import * as cityShares from './017_city_shares';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here rather than discovered on disk, so the same list
 * runs under tsx, jest and compiled JavaScript. Append; never reorder.
 */
const migrations: Array<[string, Migration]> = [
  ['001_catalog', catalog],
  ['002_calendar', calendar],
  ['003_item_records', items],
  ['004_notifications', notifications],
  ['005_users', users],
  ['006_periods_on_time_original', periodsOnTimeOriginal],
  ['007_assignments_assigned_on', assignmentsAssignedOn],
  ['008_assignments_reopen', assignmentsReopen],
  ['009_login_attempts', loginAttempts],
  ['010_signing_keys', signingKeys],
  ['011_board_read_indexes', boardReadIndexes],
  ['012_supervision_notices', supervisionNotices],
  ['013_schedule_progress', scheduleProgress],
  ['014_supervision_loop', supervisionLoop],
  ['015_assessments', assessments],
  ['016_coop_acknowledges', coopAcknowledges],
  ['017_city_shares', cityShares],
];

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};
