//! Schema migrations, applied in order at start. Each runs once, in its own transaction.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the inbox
    r#"
    CREATE TABLE accounts (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE users (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, email TEXT NOT NULL, doc TEXT NOT NULL,
        UNIQUE (account_id, email));
    CREATE TABLE profiles (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, network TEXT NOT NULL,
        external_id TEXT NOT NULL, doc TEXT NOT NULL, UNIQUE (network, external_id));
    CREATE INDEX profiles_account ON profiles (account_id);
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, profile_id TEXT NOT NULL,
        network TEXT NOT NULL, kind TEXT NOT NULL, thread_key TEXT NOT NULL,
        status TEXT NOT NULL, assignee_id TEXT, sponsored INTEGER NOT NULL,
        last_inbound_us INTEGER NOT NULL, version INTEGER NOT NULL,
        search_text TEXT NOT NULL DEFAULT '', doc TEXT NOT NULL,
        UNIQUE (profile_id, thread_key));
    CREATE INDEX conversations_feed ON conversations (account_id, status, last_inbound_us DESC, id DESC);
    CREATE INDEX conversations_feed_any ON conversations (account_id, last_inbound_us DESC, id DESC);
    CREATE INDEX conversations_assignee ON conversations (account_id, assignee_id, last_inbound_us DESC, id DESC);
    CREATE TABLE items (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, profile_id TEXT NOT NULL,
        platform_id TEXT, created_us INTEGER NOT NULL, doc TEXT NOT NULL,
        UNIQUE (profile_id, platform_id));
    CREATE INDEX items_conversation ON items (conversation_id, created_us);
    CREATE TABLE notes (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, created_us INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX notes_conversation ON notes (conversation_id, created_us);
    CREATE TABLE history (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, at_us INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX history_conversation ON history (conversation_id, at_us, id);
    CREATE TABLE seen (
        user_id TEXT NOT NULL, conversation_id TEXT NOT NULL, seen_us INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)) WITHOUT ROWID;
    CREATE TABLE tombstones (
        profile_id TEXT NOT NULL, platform_id TEXT NOT NULL, at_us INTEGER NOT NULL,
        PRIMARY KEY (profile_id, platform_id)) WITHOUT ROWID;
    CREATE TABLE tabs (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX tabs_user ON tabs (user_id, position);
    CREATE TABLE tabs_initialised (user_id TEXT PRIMARY KEY);
    CREATE TABLE notifications (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_us INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
    CREATE INDEX notifications_user ON notifications (user_id, created_us DESC, id DESC);
    CREATE TABLE queue_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, body BLOB NOT NULL,
        enqueued_us INTEGER NOT NULL, visible_us INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT);
    CREATE INDEX queue_ready ON queue_messages (queue, visible_us, id);
    CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY, queue TEXT NOT NULL, body BLOB NOT NULL, enqueued_us INTEGER NOT NULL,
        attempts INTEGER NOT NULL, last_error TEXT, dead_us INTEGER NOT NULL);
    "#,
    // 2: the networks: poll schedules and quotas, channel health, DMs sent from public threads
    r#"
    CREATE TABLE poll_states (
        profile_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, network TEXT NOT NULL,
        next_us INTEGER NOT NULL, lease_us INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
    CREATE INDEX poll_states_due ON poll_states (next_us);
    CREATE TABLE quotas (network TEXT NOT NULL, day TEXT NOT NULL, spent INTEGER NOT NULL,
        PRIMARY KEY (network, day)) WITHOUT ROWID;
    CREATE TABLE channel_health (
        profile_id TEXT PRIMARY KEY, last_event_us INTEGER, typical_gap_s REAL,
        token_state TEXT NOT NULL DEFAULT 'valid', token_error TEXT,
        webhook_subscribed INTEGER, webhook_checked_us INTEGER);
    CREATE TABLE early_edits (
        profile_id TEXT NOT NULL, platform_id TEXT NOT NULL, text TEXT NOT NULL, at_us INTEGER NOT NULL,
        PRIMARY KEY (profile_id, platform_id)) WITHOUT ROWID;
    CREATE INDEX items_dm_recipient ON items (profile_id, json_extract(doc, '$.dm_recipient'))
        WHERE json_extract(doc, '$.dm_recipient') IS NOT NULL;
    "#,
    // 3 (replaced by 8): a full-text index of `conversations.search_text`, kept by triggers. A search uses it
    // only to narrow the conversations it looks at; `inbox_match` still decides. Its tokens are
    // the stored search tokens themselves (every character but whitespace is a token character),
    // so it finds every conversation the exact rule can match. It refers to conversations by
    // rowid: rebuild it (`INSERT INTO conversations_fts (conversations_fts) VALUES ('rebuild')`)
    // after anything that renumbers them, such as a VACUUM.
    r#"
    CREATE VIRTUAL TABLE conversations_fts USING fts5(
        search_text, content = 'conversations', content_rowid = 'rowid',
        tokenize = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'");
    CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
    END;
    CREATE TRIGGER conversations_fts_update AFTER UPDATE OF search_text ON conversations BEGIN
        INSERT INTO conversations_fts (conversations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO conversations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
    END;
    CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_fts (conversations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    END;
    INSERT INTO conversations_fts (conversations_fts) VALUES ('rebuild');
    "#,
    // 4: integrations: webhook and Zapier subscriptions, their deliveries (a schedule with
    // leases, like poll_states), API keys (hashes only), Salesforce connections and Case claims
    r#"
    CREATE TABLE webhook_subscriptions (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id, id);
    CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, subscription_id TEXT NOT NULL, state TEXT NOT NULL,
        next_us INTEGER NOT NULL, lease_us INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_us) WHERE state = 'pending';
    CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
    CREATE INDEX webhook_deliveries_subscription_state ON webhook_deliveries (subscription_id, state, id);
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
    CREATE INDEX api_keys_account ON api_keys (account_id, id);
    CREATE TABLE salesforce_connections (account_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE case_claims (conversation_id TEXT PRIMARY KEY, until_us INTEGER NOT NULL) WITHOUT ROWID;
    "#,
    // 5: the cached copies of the posts comment conversations are under
    r#"
    CREATE TABLE posts (
        profile_id TEXT NOT NULL, post_id TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (profile_id, post_id)) WITHOUT ROWID;
    "#,
    // 6: who holds a delivery's lease (an outcome is saved only by its holder)
    r#"
    ALTER TABLE webhook_deliveries ADD COLUMN lease_holder TEXT;
    "#,
    // 7: a version of each user's set of tabs (changes to the set are written against it)
    r#"
    ALTER TABLE tabs_initialised ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    "#,
    // 8: search tokens per message instead of per conversation: appending to a thread indexes
    // that message alone, whatever the thread's length. `items.search` is NULL until computed:
    // `search_index::ensure` computes it (and again whenever the domain's tokenizer changes)
    // when the database is opened.
    r#"
    DROP TRIGGER conversations_fts_insert;
    DROP TRIGGER conversations_fts_update;
    DROP TRIGGER conversations_fts_delete;
    DROP TABLE conversations_fts;
    ALTER TABLE conversations DROP COLUMN search_text;
    ALTER TABLE items ADD COLUMN search TEXT;
    CREATE VIRTUAL TABLE items_fts USING fts5(
        search, content = 'items', content_rowid = 'rowid',
        tokenize = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'");
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items WHEN new.search <> '' BEGIN
        INSERT INTO items_fts (rowid, search) VALUES (new.rowid, new.search);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF search ON items WHEN old.search IS NOT new.search BEGIN
        INSERT INTO items_fts (items_fts, rowid, search) SELECT 'delete', old.rowid, old.search WHERE old.search <> '';
        INSERT INTO items_fts (rowid, search) SELECT new.rowid, new.search WHERE new.search <> '';
    END;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items WHEN old.search <> '' BEGIN
        INSERT INTO items_fts (items_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
    END;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    "#,
    // 9: feeds ordered, and "seen" decided, by when the inbox received a conversation's newest
    // inbound activity (`activity_us`), not by the network's time of it
    r#"
    ALTER TABLE conversations ADD COLUMN activity_us INTEGER NOT NULL DEFAULT 0;
    UPDATE conversations SET activity_us = last_inbound_us;
    DROP INDEX conversations_feed;
    DROP INDEX conversations_feed_any;
    DROP INDEX conversations_assignee;
    ALTER TABLE conversations DROP COLUMN last_inbound_us;
    CREATE INDEX conversations_feed ON conversations (account_id, status, activity_us DESC, id DESC);
    CREATE INDEX conversations_feed_any ON conversations (account_id, activity_us DESC, id DESC);
    CREATE INDEX conversations_assignee ON conversations (account_id, assignee_id, activity_us DESC, id DESC);
    "#,
    // 10: connecting channels through the networks' sign-in, and renewing their tokens
    r#"
    CREATE TABLE connect_flows (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, version INTEGER NOT NULL,
        expires_us INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX connect_flows_expiry ON connect_flows (expires_us);
    CREATE TABLE renewals (
        profile_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, due_us INTEGER NOT NULL,
        lease_us INTEGER NOT NULL DEFAULT 0, holder TEXT, doc TEXT NOT NULL);
    CREATE INDEX renewals_due ON renewals (due_us);
    "#,
    // 11: an account's saved replies
    r#"
    CREATE TABLE saved_replies (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE INDEX saved_replies_account ON saved_replies (account_id, id);
    "#,
];

/// Brings the database to the newest schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Brings the database to schema `last`: how the upgrade tests make a database of an older
/// release. The adapters always use [`migrate`].
pub fn migrate_to(conn: &mut Connection, last: usize) -> rusqlite::Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    let done: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(last) {
        let version = i as i64 + 1;
        if version <= done {
            continue;
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, datetime('now'))", [version])?;
        tx.commit()?;
        tracing::info!(version, "applied schema migration");
    }
    Ok(())
}
