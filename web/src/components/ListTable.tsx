import { Empty, Table, type TablePaginationConfig, type TableProps } from 'antd';
import type { ReactNode } from 'react';

/** A page of a list the API pages itself (GET /plans/:plan/items): which page is shown, and how to ask for another. */
export interface ServerPage {
  page: number;
  pageSize: number;
  total: number;
  onChange: (page: number, pageSize: number) => void;
}

/**
 * How a list pages:
 * - `false`: a short list shown whole (a plan's milestones, the board's matrix, a score's breakdown);
 * - `{ pageSize }`: the whole list is here and paged here; the pager shows only when there is a second page;
 * - `{ server }`: the API pages it; the pager always shows, with a choice of page size.
 * `unit` counts the rows in the pager's total (共 12 人); `simple` is the narrow pager of a side column.
 */
export type Paging = false | { pageSize: number; unit?: string; simple?: boolean } | { server: ServerPage; unit?: string };

export interface ListTableProps<T> extends Omit<TableProps<T>, 'dataSource' | 'pagination' | 'locale' | 'loading'> {
  /** The rows; undefined while nothing has loaded yet. */
  rows: readonly T[] | undefined;
  loading?: boolean;
  /** What an empty list says, in the users' words (暂无逾期事项, 没有待督办的事项). */
  empty?: ReactNode;
  paging: Paging;
}

/** What an empty list shows: its words, under the small picture (the same for tables and plain lists). */
export function ListEmpty({ children }: { children: ReactNode }) {
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={children} />;
}

const total = (unit: string) => (n: number) => `共 ${n} ${unit}`;

function pagination(paging: Paging): TablePaginationConfig | false {
  if (!paging) return false;
  if ('server' in paging) {
    const { page, pageSize, total: count, onChange } = paging.server;
    return { current: page, pageSize, total: count, onChange, showSizeChanger: true, showTotal: total(paging.unit ?? '条') };
  }
  return { pageSize: paging.pageSize, showSizeChanger: false, hideOnSinglePage: true, simple: paging.simple, showTotal: paging.simple ? undefined : total(paging.unit ?? '条') };
}

/**
 * The console's one list: antd's Table with paging, an empty state in the
 * users' words and a loading state decided once (in the spirit of
 * ant-design-pro's ProTable). Columns, row keys, selection and expansion are
 * the page's own, passed straight through.
 */
export function ListTable<T extends object>({ rows, loading = false, empty = '暂无数据', paging, ...table }: ListTableProps<T>) {
  return (
    <Table<T>
      {...table}
      dataSource={rows as T[] | undefined}
      loading={loading}
      locale={{ emptyText: <ListEmpty>{empty}</ListEmpty> }}
      pagination={pagination(paging)}
    />
  );
}
