import { Typography } from 'antd';
import type { ReactNode } from 'react';

/** The page's one level-one heading, at a size that suits a console. */
export function PageTitle({ children }: { children: ReactNode }) {
  return (
    <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}
