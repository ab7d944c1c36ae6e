import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type TLSConfig } from '@temporalio/worker';
import type { Config } from './config';

export interface TemporalSettings {
  address: string;
  namespace: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/**
 * TLS client certificates (mTLS, e.g. Temporal Cloud) or an API key come from
 * the documented TEMPORAL_TLS_* and TEMPORAL_API_KEY variables.
 */
export function temporalSettings(cfg: Config, address: string): TemporalSettings {
  const read = (file: string | undefined, name: string) => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch {
      throw new Error(`${name}=${file} cannot be read`);
    }
  };
  const crt = read(cfg.TEMPORAL_TLS_CERT, 'TEMPORAL_TLS_CERT');
  const key = read(cfg.TEMPORAL_TLS_KEY, 'TEMPORAL_TLS_KEY');
  if (Boolean(crt) !== Boolean(key)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be given together');
  const ca = read(cfg.TEMPORAL_TLS_CA, 'TEMPORAL_TLS_CA');
  const wantsTls = Boolean(crt || ca || cfg.TEMPORAL_TLS_SERVER_NAME || cfg.TEMPORAL_API_KEY);
  const tls: TLSConfig | undefined = wantsTls
    ? {
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(cfg.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: cfg.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
  return { address, namespace: cfg.TEMPORAL_NAMESPACE, tls, apiKey: cfg.TEMPORAL_API_KEY };
}

export async function connectClient(s: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: s.address, tls: s.tls, apiKey: s.apiKey });
  return new Client({ connection, namespace: s.namespace });
}

export function connectWorker(s: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect({ address: s.address, tls: s.tls, apiKey: s.apiKey });
}

/** Readiness: the namespace answers. */
export async function pingTemporal(client: Client): Promise<void> {
  await client.workflowService.describeNamespace({ namespace: client.options.namespace });
}
