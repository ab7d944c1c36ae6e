/**
 * Everything about notifying departments, in one place:
 *
 * - outbox.ts      a notification recorded, merged into a message and queued, once per key, in one transaction
 *                  (the `notify` activity in activities/notifications.ts is a thin wrapper around it);
 * - texts.ts       the texts the outbox writes itself: the merged reminder message, the e-mail footer
 *                  (the notices' own texts are composed by the activities that send them);
 * - channels.ts    a department's webhook and e-mail address: the administrator sets them, the outbox reads them;
 * - dispatcher.ts  the poller that closes due messages and delivers them, with retries under a lease;
 * - webhook.ts     the signed webhook POST, its SSRF rules, and the signature check for receivers;
 * - mailer.ts      the SMTP transport.
 *
 * In-app notices need no channel: the inbox reads the notifications table.
 */
export { NOTIFICATION_KINDS, recordNotification, type NotificationKind, type NotifyInput, type NotifyResult } from './outbox';
export { reminderMessageText, mailText } from './texts';
export { channelsSchema, configuredChannels, setDepartmentChannels, type Channel, type DepartmentChannels } from './channels';
export { createNotificationDispatcher, startDispatcherFromConfig, type NotificationDispatcher, type NotificationDispatcherOptions } from './dispatcher';
export {
  DELIVERY_HEADER,
  MAX_REPLY_BYTES,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  isRefusedAddress,
  postWebhook,
  signWebhook,
  verifyWebhookSignature,
  vetWebhookTarget,
  WebhookTargetRefused,
  type LookupAll,
} from './webhook';
export { createMailer, type Mailer } from './mailer';
