import nodemailer, { type Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';

export type Mailer = Transporter;

/**
 * An SMTP transport from a URL such as `smtp://127.0.0.1:2525` or
 * `smtps://user:pass@mail.example.gov.cn:465`. nodemailer waits up to ten
 * minutes on a silent socket by default; these timeouts are shorter so a hung
 * server costs one retry, well within the dispatcher's claim lease. Query
 * parameters of the URL (e.g. `?socketTimeout=120000`) still override them.
 */
export function createMailer(smtpUrl: string): Mailer {
  // Built directly: nodemailer.createTransport({ url }) would drop every option but the URL's.
  const transport = new SMTPTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  return nodemailer.createTransport(transport);
}
