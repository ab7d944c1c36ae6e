/**
 * The API's errors in the users' language. The API answers
 * {"error":{"code","message","details":[{"field","message"}]}} in English;
 * the console shows a Chinese message, per field where the API names one,
 * and never the raw text or JSON.
 */
export interface FieldError {
  field: string;
  message: string;
}

const CODES: Record<string, string> = {
  unauthenticated: '请先登录',
  bad_credentials: '用户名或密码错误',
  too_many_attempts: '登录失败次数过多,请稍后再试',
  forbidden: '无权访问',
  not_found: '不存在或无权访问',
  not_assigned: '该事项尚未交办',
  conflict: '当前状态不允许此操作',
  already_assigned: '该事项已交办,不能重复交办',
  retired: '该事项已从计划中移除',
  invalid_request: '输入有误,请检查标注的字段',
  invalid_date: '日期无效',
  invalid_data: '数据无法保存,请检查输入',
  unknown_department: '部门不存在',
  idempotency_key_reused: '重复提交的内容不一致',
  busy: '系统繁忙,请稍后重试',
  entity_too_large: '提交的内容过大',
  internal: '系统内部错误,请联系管理员',
  assessment_published: '该年度考核已发布,不能再调整',
  pdf_font_missing: '服务器缺少中文字体,暂不能生成PDF,请联系管理员',
};

const FIELD_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/must not be empty|is required|expected .*, received undefined|Required/i, () => '必填'],
  [/must be at most (\d+) characters|Too big: expected string to have <=(\d+) characters/i, (m) => `不能超过${m[1] ?? m[2]}个字符`],
  [/control characters|invalid characters/i, () => '不能包含控制字符'],
  [/not a real calendar date|YYYY-MM-DD|Invalid (date|ISO date)/i, () => '日期格式应为 年-月-日'],
  [/not a working day/i, () => '该日不是工作日'],
  [/not after today|must be after/i, () => '日期应晚于当前日期'],
  [/unknown department/i, () => '部门不存在'],
  [/already the lead department/i, () => '已是牵头单位'],
  [/listed twice/i, () => '重复填写'],
  [/http\(s\) link|Invalid URL/i, () => '应为 http(s) 链接'],
  [/must not be before the/i, () => '不能早于开始日期或交办日期'],
  [/expected string to have >=(\d+) characters|must be at least (\d+) characters/i, (m) => `至少${m[1] ?? m[2]}个字符`],
  [/is not your current password/i, () => '当前密码不正确'],
  [/Too small|at least|>=/i, () => '数值过小'],
  [/Too big|at most|<=/i, () => '数值过大'],
  [/whole number|expected int|expected number/i, () => '应为整数'],
];

export function fieldMessage(message: string): string {
  for (const [pattern, text] of FIELD_MESSAGES) {
    const m = pattern.exec(message);
    if (m) return text(m);
  }
  return '输入有误';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The Chinese message for the whole request. */
    readonly text: string,
    readonly fields: FieldError[],
  ) {
    super(text);
    this.name = 'ApiError';
  }
}

export function apiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; details?: unknown } } | undefined)?.error;
  const code = error?.code ?? (status >= 500 ? 'internal' : 'invalid_request');
  const details = Array.isArray(error?.details) ? (error.details as FieldError[]) : [];
  const fields = details.filter((d) => typeof d?.field === 'string').map((d) => ({ field: d.field, message: fieldMessage(String(d.message ?? '')) }));
  return new ApiError(status, code, CODES[code] ?? (status >= 500 ? CODES.internal! : '操作未成功'), fields);
}

/** For antd's Form.setFields: each field the API named, with its Chinese message. */
export function formFields(err: ApiError): { name: (string | number)[]; errors: string[] }[] {
  return err.fields.map((f) => ({ name: f.field.split(/[.[\]]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)), errors: [f.message] }));
}
