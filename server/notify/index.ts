// Notifiers the server core hands alerts to: build them once from config, call send per new alert.
import { errorLine } from '../../agent/log-line.ts';
import { emailNotifier } from './email.ts';
import { plainLine } from './render.ts';
import { slackNotifier } from './slack.ts';
import { NotifyError, type Notifier, type NotifierConfig, type NotifyAlert, type NotifyLog } from './types.ts';
import { webhookNotifier } from './webhook.ts';

export type * from './types.ts';
export { NotifyError } from './types.ts';
export { signWebhook, webhookBody, NOTIFICATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.ts';
export { slackEscape, slackPayload } from './slack.ts';
export { emailText } from './email.ts';
export { webhookNotifier, slackNotifier, emailNotifier };

/** One notifier from one config entry; a bad entry throws a one-line NotifyError naming it. */
export function createNotifier(c: NotifierConfig, log?: NotifyLog): Notifier {
  switch (c?.type) {
    case 'webhook':
      return webhookNotifier(c, log);
    case 'slack':
      return slackNotifier(c, log);
    case 'email':
      return emailNotifier(c, log);
    default:
      throw new NotifyError(
        `notifier type ${JSON.stringify(plainLine((c as { type?: unknown })?.type, 40))} is not webhook, slack or email`,
      );
  }
}

export function createNotifiers(configs: readonly NotifierConfig[], log?: NotifyLog): Notifier[] {
  const list = configs.map((c) => createNotifier(c, log));
  const names = new Set<string>();
  for (const n of list) {
    if (names.has(n.name)) throw new NotifyError(`two notifiers are named ${JSON.stringify(n.name)}; give each a name`);
    names.add(n.name);
  }
  return list;
}

export interface NotifyOutcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** Sends one alert to every notifier at once; one failing sink does not stop the others. */
export async function notifyAll(notifiers: readonly Notifier[], alert: NotifyAlert): Promise<NotifyOutcome[]> {
  const results = await Promise.allSettled(notifiers.map((n) => n.send(alert)));
  return results.map((r, i) =>
    r.status === 'fulfilled'
      ? { name: notifiers[i].name, ok: true }
      : {
          name: notifiers[i].name,
          ok: false,
          error: r.reason instanceof NotifyError ? r.reason.message : `${plainLine(notifiers[i].name, 100)}: ${errorLine(r.reason)}`,
        },
  );
}
