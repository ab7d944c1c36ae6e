import { Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { itemPath } from '../pages/item/types';

/** An item in a list: its title, linking to its page, over its code. */
export function ItemTitle({ plan, code, title }: { plan: string; code: string; title: string }) {
  return (
    <Space orientation="vertical" size={0}>
      <Link to={itemPath(plan, code)}>{title}</Link>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {code}
      </Typography.Text>
    </Space>
  );
}
