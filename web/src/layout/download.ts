import { session } from '../api/client';

/** Downloads a file the API serves to signed-in users (the 台账 ledger), with the user's token. */
export async function downloadWithToken(url: string, filename: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${session.token() ?? ''}` } });
  if (!res.ok) throw new Error('download failed');
  const blob = await res.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.click();
  URL.revokeObjectURL(link.href);
}
