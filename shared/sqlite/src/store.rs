//! The one store value that serves every store port over one database.

use crate::db::Db;
use std::sync::Arc;

/// The store adapters, all over one database.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) db: Arc<Db>,
}

impl SqliteStore {
    pub fn new(db: Arc<Db>) -> Self {
        Self { db }
    }
}
