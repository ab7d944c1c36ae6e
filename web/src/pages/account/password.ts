import type { FormInstance, FormRule } from 'antd';
import { formFields, type ApiError } from '../../api/errors';

/**
 * The API's rules for a new password (api/schemas.ts `password(10)` and
 * api/auth/accounts.ts): 10 to 200 characters, taken as typed (not trimmed),
 * not only spaces, no control characters.
 */
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 200;

/** The form's own checks of a new password, the same as the API's. */
export const newPasswordRules: FormRule[] = [
  { required: true, whitespace: true, message: '请输入新密码' },
  { min: MIN_PASSWORD, message: `至少${MIN_PASSWORD}个字符` },
  { max: MAX_PASSWORD, message: `不能超过${MAX_PASSWORD}个字符` },
];

/** The second entry of a new password must be the same as the first (`field`). */
export function sameAs(field: string): FormRule {
  return ({ getFieldValue }) => ({
    validator: async (_rule, value: string | undefined) => {
      if (value && value !== getFieldValue(field)) throw new Error('两次输入的新密码不一致');
    },
  });
}

/** Letters and digits that cannot be mistaken for one another when read aloud or copied by hand (no 0/O, 1/l/I). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';

/** A random password of `length` characters (16: about 92 bits), from the browser's cryptographic generator. */
export function generatePassword(length = 16): string {
  // Bytes at or above the largest multiple of the alphabet's size are drawn again: every character equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/** The API's objections to the password fields, next to their fields, in words that fit a password. */
export function setPasswordErrors<V>(form: FormInstance<V>, err: ApiError): void {
  const fields = formFields(err).map((f) => {
    const field = f.name[0];
    const errors = f.errors.map((m) => (m === '必填' ? (field === 'currentPassword' ? '请输入当前密码' : '请输入新密码') : m));
    return { ...f, errors };
  });
  if (fields.length) form.setFields(fields as Parameters<FormInstance<V>['setFields']>[0]);
}
