import { boundedText } from '../db/catalog/plan-schema';
import { TEXT_LIMITS, type TextLimit } from '../domain/text';

/**
 * A free-text field of a request, with one of the limits the item workflow's
 * validators use too (domain/text.ts), so a value the API accepts is never
 * refused later by the workflow or by PostgreSQL. Trimmed; a bad value is a
 * 422 naming the field (api/route.ts).
 */
export const text = (limit: TextLimit) => boundedText(TEXT_LIMITS[limit]);

/** A password: taken as typed (not trimmed), but never with control characters. */
export const password = (min: number) => boundedText(200, { trim: false, min });
