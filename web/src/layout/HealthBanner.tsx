import { Alert } from 'antd';
import { useEffect, useState } from 'react';

const NAMES: Record<string, string> = { database: '数据库', temporal: '工作流引擎(Temporal)' };

/** A visible notice while the API, the database or Temporal does not answer (polls /readyz). */
export function HealthBanner() {
  const [down, setDown] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    const check = async () => {
      try {
        const res = await fetch('/readyz');
        const body = (await res.json()) as { checks?: Record<string, { ok: boolean }> };
        const failing = Object.entries(body.checks ?? {}).filter(([, c]) => !c.ok).map(([n]) => NAMES[n] ?? '后台服务');
        if (live) setDown(res.ok ? [] : failing.length ? failing : ['后台服务']);
      } catch {
        if (live) setDown(['后台服务(API)']);
      }
    };
    void check();
    const timer = setInterval(check, 15_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (!down.length) return null;
  return <Alert type="error" banner showIcon message={`系统服务异常:${down.join('、')}暂时无法访问,数据可能不是最新的,提交的操作可能失败。`} />;
}
