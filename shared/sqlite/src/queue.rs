//! Durable local queues in the same database: at-least-once delivery, a visibility timeout,
//! retries with backoff and dead-lettering after `max_attempts`.

use crate::codec::port_err;
use crate::codec::{from_us, us};
use crate::db::Db;
use async_trait::async_trait;
use inbox_domain::Timestamp;
use inbox_domain::error::PortResult;
use inbox_domain::messages::QueueName;
use inbox_domain::ports::Queue;
use rusqlite::params;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// One received message. Until it is acked or failed, nobody else receives it; if the
/// consumer dies, it becomes visible again after the visibility timeout.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub body: Vec<u8>,
    /// Deliveries so far, this one included.
    pub attempts: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub id: i64,
    pub queue: String,
    pub body: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub enqueued_at: Timestamp,
    pub dead_at: Timestamp,
}

#[derive(Clone)]
pub struct SqliteQueue {
    db: Arc<Db>,
    pub max_attempts: u32,
}

impl SqliteQueue {
    pub fn new(db: Arc<Db>) -> Self {
        Self { db, max_attempts: 5 }
    }

    /// Waits until a message may be ready on `queue` (or `timeout` passes).
    pub async fn wait(&self, queue: QueueName, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.db.queue_waker(queue).notified()).await;
    }

    /// Takes up to `max` visible messages, hiding them for `visibility`. A message whose last
    /// delivery went unanswered (its handler crashed, panicked or ran past the visibility
    /// timeout) is dead-lettered instead of delivered again, as SQS's redrive policy does.
    pub async fn receive(&self, queue: QueueName, max: usize, visibility: Duration) -> PortResult<Vec<Delivery>> {
        let now = us(chrono::Utc::now());
        let hide_until = now + visibility.as_micros() as i64;
        let max_attempts = self.max_attempts;
        self.db
            .write(move |c| {
                let mut stmt = c.prepare_cached("SELECT id, body, attempts FROM queue_messages WHERE queue = ?1 AND visible_us <= ?2 ORDER BY visible_us, id LIMIT ?3").map_err(port_err)?;
                let taken = stmt
                    .query_map(params![queue.as_str(), now, max as i64], |r| Ok(Delivery { id: r.get(0)?, body: r.get(1)?, attempts: r.get::<_, u32>(2)? + 1 }))
                    .map_err(port_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(port_err)?;
                // Only the rows taken are looked at (a full queue is never scanned).
                let (unanswered, rows): (Vec<Delivery>, Vec<Delivery>) = taken.into_iter().partition(|d| d.attempts > max_attempts);
                if !unanswered.is_empty() {
                    let why = format!("no answer after {max_attempts} deliveries: the handler crashed, panicked or ran past its visibility timeout");
                    let mut dead = c
                        .prepare_cached(
                            "INSERT INTO dead_letters (id, queue, body, enqueued_us, attempts, last_error, dead_us)
                             SELECT id, queue, body, enqueued_us, attempts, COALESCE(last_error, ?2), ?3 FROM queue_messages WHERE id = ?1",
                        )
                        .map_err(port_err)?;
                    let mut gone = c.prepare_cached("DELETE FROM queue_messages WHERE id = ?1").map_err(port_err)?;
                    for d in &unanswered {
                        dead.execute(params![d.id, why, now]).map_err(port_err)?;
                        gone.execute([d.id]).map_err(port_err)?;
                    }
                }
                let mut upd = c.prepare_cached("UPDATE queue_messages SET visible_us = ?2, attempts = attempts + 1 WHERE id = ?1").map_err(port_err)?;
                for d in &rows {
                    upd.execute(params![d.id, hide_until]).map_err(port_err)?;
                }
                Ok(rows)
            })
            .await
    }

    /// Makes every in-flight message visible again at once. For a runner starting up: messages
    /// still hidden were taken by a process that is gone (one runner owns a data dir), so they
    /// need not wait for their visibility timeout. Returns how many there were.
    pub async fn release_in_flight(&self) -> PortResult<usize> {
        let now = us(chrono::Utc::now());
        self.db
            .write(move |c| {
                c.execute("UPDATE queue_messages SET visible_us = ?1 WHERE visible_us > ?1 AND attempts > 0 AND last_error IS NULL", [now])
                    .map_err(port_err)
            })
            .await
    }

    /// The message was handled: delete it.
    pub async fn ack(&self, id: i64) -> PortResult<()> {
        self.db.write(move |c| c.execute("DELETE FROM queue_messages WHERE id = ?1", [id]).map(|_| ()).map_err(port_err)).await
    }

    /// Acks many messages in one transaction.
    pub async fn ack_many(&self, ids: Vec<i64>) -> PortResult<()> {
        self.db
            .write(move |c| {
                let mut stmt = c.prepare_cached("DELETE FROM queue_messages WHERE id = ?1").map_err(port_err)?;
                for id in ids {
                    stmt.execute([id]).map_err(port_err)?;
                }
                Ok(())
            })
            .await
    }

    /// The message comes back after `wait`, as a fresh delivery: the handler decided when to
    /// try again (an outbound action the network could not take yet; its item counts the
    /// tries), so this neither counts against `max_attempts` nor is released early at a restart.
    pub async fn retry_in(&self, delivery: &Delivery, wait: Duration) -> PortResult<()> {
        let id = delivery.id;
        let visible = us(chrono::Utc::now()) + wait.as_micros().min(i64::MAX as u128) as i64;
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE queue_messages SET visible_us = ?2, attempts = 0, last_error = 'retry scheduled' WHERE id = ?1",
                    params![id, visible],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    /// Whether `delivery` is the message's last: a failure of it dead-letters the message.
    pub fn is_last(&self, delivery: &Delivery) -> bool {
        delivery.attempts >= self.max_attempts
    }

    /// The handler failed: retry later with exponential backoff, or dead-letter the message
    /// once it has had `max_attempts` deliveries.
    pub async fn fail(&self, delivery: &Delivery, error: &str) -> PortResult<bool> {
        let (id, last) = (delivery.id, self.is_last(delivery));
        let attempts = delivery.attempts;
        let error: String = error.chars().take(2000).collect();
        let now = us(chrono::Utc::now());
        let backoff_us = (200_000i64 << attempts.min(10)).min(60_000_000);
        self.db
            .write(move |c| {
                if last {
                    c.execute(
                        "INSERT INTO dead_letters (id, queue, body, enqueued_us, attempts, last_error, dead_us)
                         SELECT id, queue, body, enqueued_us, attempts, ?2, ?3 FROM queue_messages WHERE id = ?1",
                        params![id, error, now],
                    )
                    .map_err(port_err)?;
                    c.execute("DELETE FROM queue_messages WHERE id = ?1", [id]).map_err(port_err)?;
                    Ok(true)
                } else {
                    c.execute(
                        "UPDATE queue_messages SET visible_us = ?2, last_error = ?3 WHERE id = ?1",
                        params![id, now + backoff_us, error],
                    )
                    .map_err(port_err)?;
                    Ok(false)
                }
            })
            .await
    }

    /// Messages waiting (visible or in flight) on a queue.
    pub async fn depth(&self, queue: QueueName) -> PortResult<u64> {
        self.db
            .read(move |c| {
                c.query_row("SELECT COUNT(*) FROM queue_messages WHERE queue = ?1", [queue.as_str()], |r| r.get(0)).map_err(port_err)
            })
            .await
    }

    pub async fn dead_letters(&self, limit: usize) -> PortResult<Vec<DeadLetter>> {
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT id, queue, body, attempts, last_error, enqueued_us, dead_us FROM dead_letters ORDER BY dead_us DESC LIMIT ?1").map_err(port_err)?;
                stmt.query_map([limit as i64], |r| {
                    Ok(DeadLetter {
                        id: r.get(0)?,
                        queue: r.get(1)?,
                        body: String::from_utf8_lossy(&r.get::<_, Vec<u8>>(2)?).into_owned(),
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                        enqueued_at: from_us(r.get(5)?),
                        dead_at: from_us(r.get(6)?),
                    })
                })
                .map_err(port_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(port_err)
            })
            .await
    }

    /// Puts a dead letter back on its queue with a fresh attempt count.
    pub async fn replay(&self, id: i64) -> PortResult<bool> {
        let now = us(chrono::Utc::now());
        let queue: Option<String> = self
            .db
            .write(move |c| {
                let q: Option<String> = rusqlite::OptionalExtension::optional(c.query_row("SELECT queue FROM dead_letters WHERE id = ?1", [id], |r| r.get(0))).map_err(port_err)?;
                if q.is_some() {
                    c.execute("INSERT INTO queue_messages (queue, body, enqueued_us, visible_us) SELECT queue, body, enqueued_us, ?2 FROM dead_letters WHERE id = ?1", params![id, now]).map_err(port_err)?;
                    c.execute("DELETE FROM dead_letters WHERE id = ?1", [id]).map_err(port_err)?;
                }
                Ok(q)
            })
            .await?;
        if let Some(q) = queue.as_deref().and_then(|q| QueueName::ALL.into_iter().find(|n| n.as_str() == q)) {
            self.db.queue_waker(q).notify_waiters();
        }
        Ok(queue.is_some())
    }
}

#[async_trait]
impl Queue for SqliteQueue {
    async fn send(&self, queue: QueueName, body: Vec<u8>) -> PortResult<()> {
        self.send_batch(queue, vec![body]).await
    }

    /// All in one transaction (one group commit).
    async fn send_batch(&self, queue: QueueName, bodies: Vec<Vec<u8>>) -> PortResult<()> {
        let now = us(chrono::Utc::now());
        self.db.write(move |c| bodies.iter().try_for_each(|body| enqueue(c, queue, body, now))).await?;
        self.db.queue_waker(queue).notify_one();
        Ok(())
    }
}

/// Adds a message to `queue` in the current transaction (visible at once). The caller wakes
/// the queue's consumer after the commit (`Db::queue_waker`).
pub(crate) fn enqueue(c: &rusqlite::Connection, queue: QueueName, body: &[u8], now_us: i64) -> PortResult<()> {
    c.prepare_cached("INSERT INTO queue_messages (queue, body, enqueued_us, visible_us) VALUES (?1, ?2, ?3, ?3)")
        .and_then(|mut s| s.execute(params![queue.as_str(), body, now_us]))
        .map(|_| ())
        .map_err(port_err)
}
