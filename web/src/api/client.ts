import createClient, { type Middleware } from 'openapi-fetch';
import { apiError } from './errors';
import type { paths } from './schema';

/** The typed API client (types generated from /api/v1/openapi.json), with the signed-in user's token. */
const TOKEN = 'coord.token';

export const session = {
  token: (): string | null => localStorage.getItem(TOKEN),
  save: (token: string) => localStorage.setItem(TOKEN, token),
  clear: () => localStorage.removeItem(TOKEN),
};

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A token that expired or was revoked: back to sign-in.
    if (response.status === 401 && session.token()) {
      session.clear();
      window.dispatchEvent(new Event('coord:signed-out'));
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** The data of an answer, or an ApiError with a Chinese message and the bad fields. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw apiError(503, { error: { code: 'busy' } });
  }
  if (!result.response.ok) throw apiError(result.response.status, result.error);
  return result.data as T;
}
