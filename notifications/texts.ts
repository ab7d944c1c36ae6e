import { chineseDate } from '../domain/words';

/**
 * The texts the outbox itself writes around the notices the activities
 * compose: the day's merged reminder message and the e-mail footer. Pure, so
 * they read the same in a test as in a delivery.
 */

export interface ReminderEntry {
  title: string;
  body: string;
}

/** A merged reminder message lists every reminder in it; a message of one reminder is that reminder. */
export function reminderMessageText(entries: readonly ReminderEntry[], businessDate: string): { subject: string; body: string } {
  const only = entries.length === 1 ? entries[0] : undefined;
  const subject = only ? only.title : `【提醒】${chineseDate(businessDate)}共${entries.length}项事项提醒`;
  const list = entries.map((e, i) => `${i + 1}. ${e.title}\n${e.body.replace(/^/gm, '   ')}`).join('\n\n');
  const body = `${chineseDate(businessDate)}提醒事项共${entries.length}项:\n\n${list}`;
  return { subject, body };
}

const MAIL_FOOTER = '\n\n——\n本邮件由领导小组办公室协调系统自动发送,请勿直接回复。';

/** A message as e-mailed: its body, then a footer that says no one reads replies. */
export function mailText(body: string): string {
  return body + MAIL_FOOTER;
}
