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
    /// Something other than a conversation (`{0}`: a saved reply) was changed since it was read.
    #[error("the {0} was changed by someone else; reload it and try again")]
    Changed(&'static str),
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
    /// A dependency failed, said in words (nothing to chain: a closed database, an empty
    /// configuration).
    #[error("{0}")]
    Unavailable(String),
    /// A dependency failed with an error of its own (SQLite's, the AWS SDK's, the file
    /// system's). `words` say it in full, as [`PortError::Unavailable`] would, and are what is
    /// shown and logged; `source` is the error itself, kept whole for a caller that needs to
    /// know what failed (`std::error::Error::source`, then `downcast_ref`) rather than parse
    /// text. Printing the whole chain would repeat the source's words: print the error.
    #[error("{words}")]
    Failed { words: String, source: Box<dyn std::error::Error + Send + Sync + 'static> },
    /// A dependency refused for throughput (a DynamoDB partition over its rate) after its
    /// client's own retries: the work is sound and worth trying again in a moment, which a
    /// queue consumer does by handing its message back with a short wait rather than holding
    /// its batch (see `fn_ingest::busy_wait`).
    #[error("{words}")]
    Busy { words: String, source: Box<dyn std::error::Error + Send + Sync + 'static> },
    #[error("{0}")]
    Corrupt(String),
}

impl PortError {
    /// Whether this is [`PortError::Busy`], however deep in a domain error.
    pub fn is_busy(&self) -> bool {
        matches!(self, PortError::Busy { .. })
    }

    /// A dependency's error `source`, said in `words`.
    pub fn failed(words: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        PortError::Failed { words: words.into(), source: source.into() }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
pub type PortResult<T> = Result<T, PortError>;
