import { Pagination } from 'antd';
import { useState, type ReactNode } from 'react';
import { ListEmpty } from './ListTable';

/**
 * A plain list of entries that reflows on a phone (no table columns), paged
 * when long. Each entry renders itself; the list is a real <ul> for screen readers.
 */
export function EntryList<T>({ items, render, rowKey, pageSize = 10, empty = '暂无', label }: { items: T[]; render: (item: T) => ReactNode; rowKey: (item: T) => string | number; pageSize?: number; empty?: string; label: string }) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(page, pages);
  if (!items.length) return <ListEmpty>{empty}</ListEmpty>;
  return (
    <div>
      <ul aria-label={label} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {items.slice((current - 1) * pageSize, current * pageSize).map((it) => (
          <li key={rowKey(it)} style={{ padding: '12px 0', borderBottom: '1px solid #f0f0f0' }}>
            {render(it)}
          </li>
        ))}
      </ul>
      {items.length > pageSize ? <Pagination style={{ marginTop: 12 }} size="small" current={current} pageSize={pageSize} total={items.length} onChange={setPage} showSizeChanger={false} /> : null}
    </div>
  );
}
