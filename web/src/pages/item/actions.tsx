import { Alert, Button, DatePicker, Form, Input, InputNumber, Select, message } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ActionModal } from '../../components/ActionModal';
import { chineseDate } from '../../format';
import { newRequestKey, reportPath } from './types';
import { atMost, TEXT_LIMITS } from '../../limits';

/**
 * The actions on one item, the same wherever they are offered (my items, the
 * inbox, the escalation board, the item page): 签收, 进展报送, 申请延期,
 * 申请办结 for the department, 批示 for the leading group.
 */
interface ItemRef {
  plan: string;
  item: string;
  onDone?: () => void;
}

/** One Idempotency-Key per opened form: a retry of the same submission is applied once. */
function useRequestKey(): { key: () => string; next: () => void } {
  const ref = useRef(newRequestKey());
  return { key: () => ref.current, next: () => (ref.current = newRequestKey()) };
}

export function AcknowledgeButton({ plan, item, onDone, size }: ItemRef & { size?: 'small' | 'middle' }) {
  const [busy, setBusy] = useState(false);
  const keys = useRequestKey();
  const acknowledge = async () => {
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/acknowledge', { params: { path: { plan, item } }, headers: { 'idempotency-key': keys.key() } }));
      keys.next();
      void message.success('已签收');
      onDone?.();
    } catch (err) {
      void message.error(err instanceof ApiError ? (err.code === 'conflict' ? '该事项已签收或不在待签收状态' : err.text) : '签收未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button type="primary" size={size} loading={busy} onClick={acknowledge}>
      签收
    </Button>
  );
}

export function ReportLink({ plan, item, periodSeq, size, primary }: { plan: string; item: string; periodSeq?: number; size?: 'small' | 'middle'; primary?: boolean }) {
  const navigate = useNavigate();
  return (
    <Button size={size} type={primary ? 'primary' : 'default'} onClick={() => navigate(reportPath(plan, item, periodSeq))}>
      进展报送
    </Button>
  );
}

export function InstructionButton({ plan, item, title, onDone, size }: ItemRef & { title?: string; size?: 'small' | 'middle' }) {
  const keys = useRequestKey();
  return (
    <ActionModal<{ text: string; respondWithinWorkingDays?: number }>
      label="批示"
      title={title ? `批示:${title}` : '领导批示'}
      name={`instruct-${item}`}
      buttonProps={{ type: 'primary', size }}
      initialValues={{ respondWithinWorkingDays: 5 }}
      onSubmit={async (values) => {
        const answer = await unwrap(
          api.POST('/api/v1/plans/{plan}/items/{item}/instructions', {
            params: { path: { plan, item } }, headers: { 'idempotency-key': keys.key() },
            body: { text: values.text, respondWithinWorkingDays: values.respondWithinWorkingDays },
          }),
        );
        keys.next();
        void message.success(answer.feedbackDueOn ? `批示已送达,牵头单位应于${chineseDate(answer.feedbackDueOn)}前反馈落实情况` : '批示已送达牵头单位和配合单位');
        onDone?.();
      }}
      explain={(err) => (err.code === 'conflict' ? '该事项当前不能批示(已办结或已撤销)' : undefined)}
    >
      <Form.Item name="text" label="批示内容" rules={[{ required: true, whitespace: true, message: '请填写批示内容' }, atMost('comment')]}>
        <Input.TextArea rows={5} showCount maxLength={TEXT_LIMITS.comment} />
      </Form.Item>
      <Form.Item name="respondWithinWorkingDays" label="落实反馈时限(工作日)" rules={[{ required: true, message: '请填写反馈时限' }]}>
        <InputNumber min={1} max={60} precision={0} />
      </Form.Item>
    </ActionModal>
  );
}

/** 分解下达: the secretariat or the lead cascades the item to cities; each city's share runs on its own. */
export function CascadeButton({ plan, item, cities, onDone }: ItemRef & { cities: { value: string; label: string }[] }) {
  const keys = useRequestKey();
  return (
    <ActionModal<{ cities: string[] }>
      label="分解下达"
      title="分解下达到设区市"
      name={`cascade-${item}`}
      onSubmit={async (values) => {
        const answer = await unwrap(
          api.POST('/api/v1/plans/{plan}/items/{item}/cascade', {
            params: { path: { plan, item } }, headers: { 'idempotency-key': keys.key() },
            body: { cities: values.cities.map((code) => ({ code })) },
          }),
        );
        keys.next();
        void message.success(`已分解下达${answer.started.length}个市${answer.existing.length ? `,${answer.existing.length}个市此前已下达` : ''}`);
        onDone?.();
      }}
      explain={(err) => (err.code === 'conflict' ? '该事项当前不能分解下达(已办结、已撤销,或交办于此功能之前)' : undefined)}
    >
      <Form.Item name="cities" label="设区市" rules={[{ required: true, message: '请选择至少一个市' }]}>
        {/* A city chosen again is not started twice: the answer says which were already cascaded. */}
        <Select mode="multiple" allowClear options={cities} placeholder="选择承担分解任务的市" />
      </Form.Item>
    </ActionModal>
  );
}

/** The lead's 落实反馈 on a leadership instruction (批示). */
export function FeedbackButton({ plan, item, instruction, dueOn, onDone }: ItemRef & { instruction: string; dueOn: string | null }) {
  const keys = useRequestKey();
  return (
    <ActionModal<{ text: string }>
      label="反馈落实情况"
      title="反馈批示落实情况"
      name={`feedback-${instruction}`}
      buttonProps={{ type: 'primary', size: 'small' }}
      onSubmit={async (values) => {
        const answer = await unwrap(
          api.POST('/api/v1/plans/{plan}/items/{item}/instructions/{instruction}/feedback', {
            params: { path: { plan, item, instruction } }, headers: { 'idempotency-key': keys.key() },
            body: { text: values.text },
          }),
        );
        keys.next();
        void message.success(answer.late ? '已反馈(已超过反馈时限)' : '已反馈');
        onDone?.();
      }}
      explain={(err) => (err.code === 'conflict' ? '该批示已反馈,或事项已办结、已撤销' : undefined)}
    >
      {dueOn ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title={`反馈时限:${chineseDate(dueOn)}`} /> : null}
      <Form.Item name="text" label="落实情况" rules={[{ required: true, whitespace: true, message: '请填写落实情况' }, atMost('long')]}>
        <Input.TextArea rows={6} showCount maxLength={TEXT_LIMITS.long} />
      </Form.Item>
    </ActionModal>
  );
}

export function ExtensionButton({ plan, item, currentDueOn, onDone }: ItemRef & { currentDueOn?: string }) {
  const keys = useRequestKey();
  const after = currentDueOn ? dayjs(currentDueOn) : undefined;
  return (
    <ActionModal<{ requestedDueOn: Dayjs; reason: string }>
      label="申请延期"
      name={`extension-${item}`}
      onSubmit={async (values, form) => {
        try {
          await unwrap(
            api.POST('/api/v1/plans/{plan}/items/{item}/extension-requests', {
              params: { path: { plan, item } }, headers: { 'idempotency-key': keys.key() },
              body: { requestedDueOn: values.requestedDueOn.format('YYYY-MM-DD'), reason: values.reason },
            }),
          );
        } catch (err) {
          if (err instanceof ApiError && err.code === 'invalid_date') form.setFields([{ name: 'requestedDueOn', errors: ['该日期不可用,请选择工作日'] }]);
          throw err;
        }
        keys.next();
        void message.success('延期申请已提交,等待领导小组办公室审批');
        onDone?.();
      }}
      explain={(err) => (err.code === 'conflict' ? '当前不能申请延期:可能已有待审批的延期申请,或申请的日期不晚于现行期限' : undefined)}
    >
      {currentDueOn ? <p>本期现行报送期限:{chineseDate(currentDueOn)}</p> : null}
      <Form.Item
        name="requestedDueOn"
        label="申请延期至"
        rules={[
          { required: true, message: '请选择日期' },
          { validator: async (_r, v: Dayjs | undefined) => (v && after && !v.isAfter(after, 'day') ? Promise.reject(new Error('应晚于现行报送期限')) : undefined) },
        ]}
      >
        <DatePicker style={{ width: '100%' }} disabledDate={(d) => (after ? !d.isAfter(after, 'day') : false)} />
      </Form.Item>
      <Form.Item name="reason" label="延期理由" rules={[{ required: true, whitespace: true, message: '请填写延期理由' }, atMost('comment')]}>
        <Input.TextArea rows={4} showCount maxLength={TEXT_LIMITS.comment} />
      </Form.Item>
    </ActionModal>
  );
}

export function CompletionButton({ plan, item, onDone }: ItemRef) {
  const keys = useRequestKey();
  return (
    <ActionModal<{ summary: string }>
      label="申请办结"
      name={`completion-${item}`}
      onSubmit={async (values) => {
        await unwrap(
          api.POST('/api/v1/plans/{plan}/items/{item}/completion-request', {
            params: { path: { plan, item } }, headers: { 'idempotency-key': keys.key() },
            body: { summary: values.summary },
          }),
        );
        keys.next();
        void message.success('办结申请已提交,等待领导小组办公室审定');
        onDone?.();
      }}
      explain={(err) => (err.code === 'conflict' ? '当前不能申请办结(事项须已签收且在推进中)' : undefined)}
    >
      <Form.Item name="summary" label="完成情况总结" rules={[{ required: true, whitespace: true, message: '请填写完成情况总结' }, atMost('long')]}>
        <Input.TextArea rows={6} showCount maxLength={TEXT_LIMITS.long} />
      </Form.Item>
    </ActionModal>
  );
}
