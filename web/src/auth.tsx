import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, session, unwrap } from './api/client';
import type { Answer } from './api/types';

/** The signed-in user, as GET /auth/me answers. */
export type Me = Answer<'/api/v1/auth/me', 'get'>;

interface AuthState {
  me?: Me;
  ready: boolean;
  signIn(username: string, password: string): Promise<Me>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | undefined>(undefined);

async function whoAmI(): Promise<Me> {
  return unwrap(api.GET('/api/v1/auth/me'));
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const gone = () => setMe(undefined);
    window.addEventListener('coord:signed-out', gone);
    if (session.token()) whoAmI().then(setMe, gone).finally(() => setReady(true));
    else setReady(true);
    return () => window.removeEventListener('coord:signed-out', gone);
  }, []);
  const value: AuthState = {
    me,
    ready,
    async signIn(username, password) {
      const { token } = await unwrap(api.POST('/api/v1/auth/login', { body: { username, password } }));
      session.save(token);
      const who = await whoAmI();
      setMe(who);
      return who;
    },
    async signOut() {
      await api.POST('/api/v1/auth/logout').catch(() => undefined);
      session.clear();
      setMe(undefined);
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}
