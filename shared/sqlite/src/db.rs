//! Connections: one writer thread that group-commits, and a pool of readers.

use crate::codec::port_err;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::search::Clause;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit survives a power cut.
    Full,
    /// `synchronous=NORMAL`: a commit survives the process being killed, not a power cut.
    Normal,
}

#[derive(Debug, Clone)]
pub struct DbConfig {
    pub path: PathBuf,
    pub durability: Durability,
    pub readers: usize,
}

impl DbConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), durability: Durability::Full, readers: 4 }
    }
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;

/// The database: `write` runs a closure on the writer thread inside a group transaction;
/// `read` runs one on a pooled reader.
pub struct Db {
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per pooled reader: `read` waits (without holding a thread) for a free
    /// connection instead of opening a throwaway one when many reads arrive at once.
    read_permits: Arc<tokio::sync::Semaphore>,
    config: DbConfig,
    /// Wakes a queue's consumer when a message is enqueued in this database, by the queue
    /// itself or by a store that writes a change's outbox in the change's transaction.
    queue_wakers: std::collections::HashMap<inbox_domain::messages::QueueName, tokio::sync::Notify>,
}

fn open(path: &Path, durability: Durability, read_only: bool) -> rusqlite::Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -32_000)?; // 32 MB per connection
    // Savepoint sub-journals (one savepoint per job of a group commit) and temporary sort
    // b-trees stay in memory instead of spilling to temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Room for every statement of the write path and the queues, so none is parsed again.
    conn.set_prepared_statement_cache_capacity(64);
    register_functions(&conn)?;
    Ok(conn)
}

/// `inbox_clause(tokens, search)`: whether one message's tokens (`items.search`) hold a
/// clause's tokens (space-separated) consecutively: the domain's rule for one message.
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("inbox_clause", 2, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        let clause: Arc<Clause> = ctx.get_or_create_aux(0, |v| -> rusqlite::Result<Clause> {
            Ok(Clause {
                negated: false,
                words: v.as_str().unwrap_or("").split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect(),
            })
        })?;
        let text = ctx.get_raw(1).as_str().unwrap_or("");
        let tokens: Vec<String> = text.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect();
        Ok(!clause.words.is_empty() && clause.occurs_in(&tokens))
    })
}

impl Db {
    /// Opens (creating) the database, applies migrations and starts the writer thread.
    pub fn open(config: DbConfig) -> PortResult<Arc<Db>> {
        if let Some(dir) = config.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| PortError::failed(format!("cannot create {}: {e}", dir.display()), e))?;
        }
        let mut writer = open(&config.path, config.durability, false).map_err(port_err)?;
        crate::schema::migrate(&mut writer).map_err(port_err)?;
        crate::search_index::ensure(&mut writer)?;
        let readers = (0..config.readers.max(1))
            .map(|_| open(&config.path, config.durability, true))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(port_err)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx))
            .map_err(|e| PortError::failed(e.to_string(), e))?;
        let read_permits = Arc::new(tokio::sync::Semaphore::new(readers.len()));
        Ok(Arc::new(Db {
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
            readers: Mutex::new(readers),
            read_permits,
            config,
            queue_wakers: inbox_domain::messages::QueueName::ALL.iter().map(|q| (*q, tokio::sync::Notify::new())).collect(),
        }))
    }

    /// The waker of `queue`'s consumer.
    pub(crate) fn queue_waker(&self, queue: inbox_domain::messages::QueueName) -> &tokio::sync::Notify {
        &self.queue_wakers[&queue]
    }

    pub fn path(&self) -> &Path {
        &self.config.path
    }

    /// Runs `f` in the next group transaction. Its changes are durable when this returns Ok.
    /// An `Err` from `f` rolls back only `f`'s own changes.
    pub async fn write<T, F>(&self, f: F) -> PortResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> PortResult<T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<PortResult<T>>();
        let job: Job = Box::new(move |conn| {
            let r = f(conn);
            let ok = r.is_ok();
            let done: Completion = Box::new(move |commit| {
                let _ = tx.send(match commit {
                    Ok(()) => r,
                    Err(e) => Err(PortError::failed(format!("commit failed: {e}"), e)),
                });
            });
            (ok, done)
        });
        {
            let guard = self.writer.lock().expect("writer lock");
            let sender = guard.as_ref().ok_or_else(|| PortError::Unavailable("database is closed".into()))?;
            sender.send(job).map_err(|_| PortError::Unavailable("database writer stopped".into()))?;
        }
        rx.await.map_err(|_| PortError::Unavailable("database writer stopped".into()))?
    }

    /// Runs `f` on a reader connection (a consistent snapshot for the duration of `f`).
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> PortResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> PortResult<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        let permit =
            Arc::clone(&self.read_permits).acquire_owned().await.map_err(|_| PortError::Unavailable("database is closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let r = db.read_blocking(f);
            drop(permit);
            r
        })
        .await
        .map_err(|e| PortError::failed(format!("reader task failed: {e}"), e))?
    }

    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> PortResult<T>) -> PortResult<T> {
        let conn = self.readers.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => open(&self.config.path, self.config.durability, true).map_err(port_err)?,
        };
        let tx = conn.unchecked_transaction().map_err(port_err)?;
        let r = f(&tx);
        drop(tx);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < self.config.readers.max(1) {
            pool.push(conn);
        }
        r
    }

    /// Stops the writer after it has committed what it was given.
    pub fn close(&self) {
        self.writer.lock().expect("writer lock").take();
        if let Some(h) = self.writer_thread.lock().expect("writer thread").take() {
            let _ = h.join();
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.close();
    }
}

/// Most jobs one group transaction takes.
const MAX_GROUP: usize = 512;

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let mut completions: Vec<Completion> = Vec::with_capacity(jobs.len());
        let outcome = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for job in jobs.drain(..) {
                tx.prepare_cached("SAVEPOINT job")?.execute([])?;
                let (ok, done) = job(&tx);
                if !ok {
                    tx.prepare_cached("ROLLBACK TO job")?.execute([])?;
                }
                tx.prepare_cached("RELEASE job")?.execute([])?;
                completions.push(done);
            }
            tx.commit()
        })();
        let result = outcome.map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, "group commit failed");
        }
        for done in completions {
            done(result.clone());
        }
        // Jobs not run because the transaction failed early: they were dropped with their
        // senders, so their callers see "writer stopped" and can retry.
    }
}
