import path from 'node:path';
import YAML from 'yaml';
import fs from 'node:fs';
import pino from 'pino';
import { projectRoot } from '../../platform/config';

export const defaultPlanFile = path.join(projectRoot, 'plans', 'shandong-internet-plus-2016-2018.yaml');

/** The default plan as plain data, for tests that make variants of it. */
export function defaultPlanData(): Record<string, unknown> & {
  plan: Record<string, unknown>;
  departments: Record<string, unknown>[];
  actions: { code: string; title: string; tasks: { code: string; title: string; proposal: { lead: string; cooperating: string[] } }[] }[];
  safeguards: { code: string; title: string; items: { code: string; title: string; proposal: { lead: string; cooperating: string[] } }[] }[];
} {
  return YAML.parse(fs.readFileSync(defaultPlanFile, 'utf8'));
}

/** A real pino logger that writes nothing, for code under test that takes a logger. */
export const silentLog = pino({ level: 'silent' });
