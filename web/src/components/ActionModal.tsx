import { Alert, Button, Form, Modal, type ButtonProps, type FormInstance } from 'antd';
import { useState, type ReactNode } from 'react';
import { ApiError, formFields } from '../api/errors';

export interface ActionModalProps<V> {
  /** The button that opens the form (and the form's title unless `title` is given). */
  label: string;
  title?: string;
  /** The form's name: the prefix of its controls' ids, so two forms on a page never clash. */
  name: string;
  buttonProps?: ButtonProps;
  okText?: string;
  initialValues?: Partial<V>;
  /** Sends the form; a thrown ApiError is shown next to its fields, in Chinese. */
  onSubmit: (values: V, form: FormInstance<V>) => Promise<void>;
  /** The Chinese text for an error the API gives no field for, where the general one says too little. */
  explain?: (err: ApiError) => string | undefined;
  children: ReactNode;
}

/**
 * A button that opens a form in a dialog: vertical layout (fits a phone), the
 * API's errors next to their fields and the rest above the form, in Chinese.
 */
export function ActionModal<V extends object>({ label, title, name, buttonProps, okText = '提交', initialValues, onSubmit, explain, children }: ActionModalProps<V>) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [form] = Form.useForm<V>();
  const submit = async (values: V) => {
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values, form);
      form.resetFields();
      setOpen(false);
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = formFields(err);
        if (fields.length) form.setFields(fields as Parameters<typeof form.setFields>[0]);
        setError(explain?.(err) ?? err.text);
      } else {
        setError('操作未成功,请稍后重试');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button {...buttonProps} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Modal
        open={open}
        title={title ?? label}
        okText={okText}
        cancelText="取消"
        confirmLoading={busy}
        onOk={() => form.submit()}
        onCancel={() => {
          setOpen(false);
          setError(undefined);
        }}
        destroyOnHidden
      >
        {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" /> : null}
        <Form<V> form={form} name={name} layout="vertical" initialValues={initialValues} onFinish={submit} requiredMark>
          {children}
        </Form>
      </Modal>
    </>
  );
}
