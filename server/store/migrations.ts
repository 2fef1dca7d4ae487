import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './open.ts';
import { recountOpenFindings } from './open-counts.ts';

// One list of migrations for both databases; the only dialect difference is how an id column counts.

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the database as it was, not as types.ts describes it now (Kysely's advice)
type AnyDb = Kysely<any>;

function migrations(dialect: Dialect): Record<string, Migration> {
  const id = (t: string) =>
    dialect === 'postgres' ? sql.raw(`${t === 'big' ? 'bigserial' : 'serial'} primary key`) : sql.raw('integer primary key autoincrement');
  return {
    '0001-initial': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('agents')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('enrolled_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('hosts')
          .addColumn('agent_id', 'text', (c) => c.primaryKey())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('os', 'text', (c) => c.notNull())
          .addColumn('os_version', 'text')
          .addColumn('arch', 'text')
          .addColumn('agent_version', 'text', (c) => c.notNull())
          .addColumn('user_name', 'text')
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('last_sequence', 'bigint', (c) => c.notNull())
          .addColumn('expected_interval_s', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('privileged', 'integer')
          .addColumn('public_ip', 'text')
          .addColumn('gateway_mac', 'text')
          .addColumn('wifi_ssid', 'text')
          .addColumn('wifi_bssid', 'text')
          .addColumn('timezone', 'text')
          .addColumn('locale', 'text')
          .addColumn('input_methods', 'text')
          .addColumn('open_findings', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('hosts_status').on('hosts').columns(['status', 'last_seen']).execute();
        await db.schema.createIndex('hosts_hostname').on('hosts').column('hostname').execute();
        await db.schema
          .createTable('context_history')
          .addColumn('id', sql`${id('small')}`)
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('public_ip', 'text')
          .addColumn('gateway_mac', 'text')
          .addColumn('wifi_ssid', 'text')
          .addColumn('wifi_bssid', 'text')
          .addColumn('timezone', 'text')
          .addColumn('locale', 'text')
          .addColumn('input_methods', 'text')
          .execute();
        await db.schema.createIndex('context_history_agent').on('context_history').columns(['agent_id', 'at']).execute();
        await db.schema.createIndex('context_history_at').on('context_history').column('at').execute();
        await db.schema
          .createTable('reports')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('report_id', 'text', (c) => c.notNull().unique()) // duplicates dropped even across instances
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('sequence', 'bigint', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('schema_version', 'integer', (c) => c.notNull())
          .addColumn('sent_at', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('public_ip', 'text')
          .addColumn('body', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('reports_received').on('reports').column('received_at').execute();
        await db.schema.createIndex('reports_agent').on('reports').columns(['agent_id', 'sequence']).execute();
        await db.schema
          .createTable('findings')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('finding_id', 'text', (c) => c.notNull())
          .addColumn('tool_id', 'text', (c) => c.notNull())
          .addColumn('tool_name', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('state', 'text')
          .addColumn('evidence', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .addColumn('resolved_reason', 'text')
          .addUniqueConstraint('findings_agent_finding', ['agent_id', 'finding_id'])
          .execute();
        await db.schema.createIndex('findings_open').on('findings').columns(['resolved_at', 'severity']).execute();
        await db.schema.createIndex('findings_tool').on('findings').columns(['tool_id', 'resolved_at']).execute();
        await db.schema
          .createTable('events')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_agent').on('events').columns(['agent_id', 'at']).execute();
        await db.schema.createIndex('events_at').on('events').column('at').execute();
        await db.schema
          .createTable('alerts')
          .addColumn('id', sql`${id('small')}`)
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('explanation', 'text', (c) => c.notNull())
          .addColumn('agent_ids', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('occurrences', 'integer', (c) => c.notNull())
          .addColumn('ack_by', 'text')
          .addColumn('ack_at', 'text')
          .addColumn('closed_by', 'text')
          .addColumn('closed_at', 'text')
          .addUniqueConstraint('alerts_rule_subject', ['rule', 'subject'])
          .execute();
        await db.schema
          .createTable('users')
          .addColumn('id', sql`${id('small')}`)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', sql`${id('small')}`)
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('job_leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('lease_until', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002-farm-notify': {
      // Farm settings (one JSON row, seeded from the server config), the groups the last farm round found
      // (for the Groups page), notifiers managed in the console, and when each alert was handed to them.
      async up(db: AnyDb) {
        await db.schema
          .createTable('farm_config')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('farm_groups')
          .addColumn('subject', 'text', (c) => c.primaryKey())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('host_count', 'integer', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('notifiers')
          .addColumn('id', sql`${id('small')}`)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('alerts').addColumn('notified_at', 'text').execute();
      },
    },
    // Sorts after the other migrations on purpose (Kysely runs them in name order).
    '0090-perf-open-counts-and-indexes': {
      async up(db: AnyDb) {
        // Open findings per host by severity and category, kept by the ingest transaction, so the fleet
        // overview sums 10,000 host rows instead of counting a million findings on every call.
        await db.schema
          .alterTable('hosts')
          .addColumn('open_counts', 'text', (c) => c.notNull().defaultTo('{}'))
          .execute();
        await recountOpenFindings(db);
        // The hosts list pages by name; the tie-breaker column in the index spares a sort.
        await db.schema.createIndex('hosts_hostname_agent').on('hosts').columns(['hostname', 'agent_id']).execute();
        await db.schema.dropIndex('hosts_hostname').execute();
        // Open findings newest first, by severity (the findings list), without sorting all open rows.
        await db.schema
          .createIndex('findings_open_severity_id')
          .on('findings')
          .columns(['severity', 'id'])
          .where(sql<boolean>`resolved_at is null`)
          .execute();
      },
    },
    '0100-alert-delivery-siem-outbox': {
      // Liveness and tamper alerts now reach the notifiers too (jobs/alert-delivery.ts): alerts raised
      // before this version count as notified, so an upgrade does not send the whole backlog at once.
      // The SIEM outbox holds encoded events until their sink takes them; settings keep its cursor.
      async up(db: AnyDb) {
        await db.updateTable('alerts').set({ notified_at: sql`last_seen` }).where('notified_at', 'is', null).execute();
        await db.schema.alterTable('alerts').addColumn('forwarded_at', 'text').execute();
        await db.schema
          .createTable('siem_outbox')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('sink', 'text', (c) => c.notNull())
          .addColumn('event_key', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('dead_at', 'text')
          .addUniqueConstraint('siem_outbox_sink_key', ['sink', 'event_key'])
          .execute();
        await db.schema
          .createIndex('siem_outbox_due')
          .on('siem_outbox')
          .columns(['sink', 'id'])
          .where(sql<boolean>`dead_at is null`)
          .execute();
      },
    },
    '0110-console-sessions': {
      // Console sessions and failed sign-ins in the database, so several server instances behind a load
      // balancer share them (server/console/store-sessions.ts). Only a hash of the session token is kept.
      async up(db: AnyDb) {
        await db.schema
          .createTable('console_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'integer')
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('flash', 'text')
          .execute();
        await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();
        await db.schema.createIndex('console_sessions_user').on('console_sessions').columns(['user_id', 'created_at']).execute();
        await db.schema
          .createTable('login_failures')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('login_failures_key').on('login_failures').columns(['key', 'at']).execute();
        await db.schema.createIndex('login_failures_at').on('login_failures').column('at').execute();
      },
    },
    '0111-siem-outbox-cap': {
      // The outbox is capped per sink (jobs/siem-round.ts): finding the cap's edge walks this index
      // (the due index leaves refused rows out, and they count too).
      async up(db: AnyDb) {
        await db.schema.createIndex('siem_outbox_sink_id').on('siem_outbox').columns(['sink', 'id']).execute();
      },
    },
    '0120-alert-notification-retries': {
      // A notification a notifier did not take is tried again in later rounds (jobs/alert-delivery.ts):
      // one row per alert claim and notifier. Alerts notified before this version have none, so an
      // upgrade sends nothing again.
      async up(db: AnyDb) {
        await db.schema
          .createTable('alert_notifications')
          .addColumn('id', sql`${id('big')}`)
          .addColumn('alert_id', 'integer', (c) => c.notNull())
          .addColumn('notified_at', 'text', (c) => c.notNull())
          .addColumn('notifier', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('delivered_at', 'text')
          .addColumn('gave_up_at', 'text')
          .addUniqueConstraint('alert_notifications_key', ['alert_id', 'notified_at', 'notifier'])
          .execute();
        await db.schema
          .createIndex('alert_notifications_due')
          .on('alert_notifications')
          .column('next_attempt_at')
          .where(sql<boolean>`delivered_at is null and gave_up_at is null`)
          .execute();
      },
    },
  };
}

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Brings the database to the latest schema; several instances starting at once are serialised by Kysely's migration lock. */
export async function migrate(db: AnyDb, dialect: Dialect): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: new InlineProvider(dialect) }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
