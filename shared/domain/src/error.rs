//! Domain errors: what a use case can refuse, in words a user can act on.

use thiserror::Error;

/// Expected failures (the caller's fault or a rule) and unexpected ones (a dependency).
#[derive(Debug, Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Rule(String),
    #[error("the conversation was changed by someone else; reload it and try again")]
    Conflict,
    /// Someone else is doing the same thing right now (making the Case of a conversation).
    #[error("{0}")]
    InProgress(String),
    #[error("a dependency failed: {0}")]
    Dependency(#[from] PortError),
    /// An outside system the caller asked us to reach (Salesforce) refused or failed; the
    /// message says what it answered, in words an admin can act on.
    #[error("{0}")]
    Upstream(String),
}

/// A failure inside an adapter (storage, queue, mailer, network client).
#[derive(Debug, Error)]
pub enum PortError {
    #[error("version conflict")]
    Conflict,
    #[error("already exists")]
    AlreadyExists,
    /// The owner holds as many of these as it may (checked atomically with the write).
    #[error("limit reached")]
    LimitReached,
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Corrupt(String),
}

pub type DomainResult<T> = Result<T, DomainError>;
pub type PortResult<T> = Result<T, PortError>;
