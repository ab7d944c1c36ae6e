import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api/errors';

/** Loads something from the API, with its loading state and its error (already in Chinese); `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data?: T; error?: ApiError; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    run().then(
      (d) => live && (setData(d), setError(undefined), setLoading(false)),
      (e: unknown) => live && (setError(e instanceof ApiError ? e : new ApiError(0, 'internal', '加载失败', [])), setLoading(false)),
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}
