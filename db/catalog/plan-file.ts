import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { checkReferences, formatPath, planFileSchema, type PlanFile } from './plan-schema';

export interface FieldIssue {
  path: string;
  message: string;
}

/** A plan file refused whole; each issue names the bad field by its path in the file. */
export class PlanValidationError extends Error {
  constructor(
    readonly file: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${file}: plan refused, ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'PlanValidationError';
  }
}

function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export interface LoadedPlan {
  plan: PlanFile;
  /** Hash of the validated content, so reformatting a file or editing its comments is not a change. */
  contentSha256: string;
}

/** Parses YAML or JSON (JSON is YAML) and validates it against the schema. */
export function parsePlanText(text: string, file = '<plan>'): LoadedPlan {
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    throw new PlanValidationError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    );
  }
  const raw: unknown = doc.toJS();
  const parsed = planFileSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : zodIssues(parsed.error)),
    ...checkReferences(raw).map((i) => ({ path: formatPath(i.path), message: i.message })),
  ];
  if (issues.length || !parsed.success) throw new PlanValidationError(file, issues);
  const contentSha256 = crypto.createHash('sha256').update(JSON.stringify(parsed.data)).digest('hex');
  return { plan: parsed.data, contentSha256 };
}

export function readPlanFile(file: string): LoadedPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanValidationError(file, [{ path: '(file)', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parsePlanText(text, file);
}
