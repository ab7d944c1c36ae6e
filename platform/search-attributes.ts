import type { Client } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Logger } from './logger';
import { ITEM_SEARCH_ATTRIBUTES } from '../workflows/definitions';

const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  return ITEM_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE[k.type]}`]);
}

/**
 * On a cluster given by TEMPORAL_ADDRESS, registers the attributes the item
 * workflows keep up to date. Temporal Cloud refuses the operator API: there
 * they are added once in the Cloud UI or tcld, and this says so.
 */
export async function ensureSearchAttributes(client: Client, log: Logger): Promise<void> {
  const namespace = client.options.namespace;
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = ITEM_SEARCH_ATTRIBUTES.filter((k) => !have.has(k.name));
    if (!missing.length) return;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]])),
    });
    log.info({ added: missing.map((k) => k.name) }, 'search attributes registered');
  } catch (err) {
    log.warn(
      { err, attributes: ITEM_SEARCH_ATTRIBUTES.map((k) => `${k.name}:${k.type}`) },
      'could not register search attributes; register them on the namespace before assigning items',
    );
  }
}

/**
 * On a namespace registered a moment ago the operator API may refuse for a
 * second or two (the namespace is not yet in every service's cache): keeps
 * trying until every attribute is listed.
 */
export async function registerSearchAttributes(client: Client, log: Logger, timeoutMs = 60_000): Promise<void> {
  const namespace = client.options.namespace;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await ensureSearchAttributes(client, log.child({}, { level: 'error' }));
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
    const have = new Set(Object.keys(existing?.customAttributes ?? {}));
    const missing = ITEM_SEARCH_ATTRIBUTES.filter((k) => !have.has(k.name)).map((k) => k.name);
    if (!missing.length) return;
    if (Date.now() > deadline) throw new Error(`search attributes still missing on ${namespace} after ${timeoutMs / 1000} s: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
