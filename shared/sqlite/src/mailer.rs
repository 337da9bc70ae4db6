//! `Mailer` that writes each email as an `.eml` file to an outbox folder: the whole message, as
//! SES would send it (text and HTML parts, `List-Unsubscribe`).

use async_trait::async_trait;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{Email, Mailer};
use std::path::PathBuf;

/// Writes `<outbox>/<id>.eml` (RFC 5322 text). The same id is written once: a redelivered
/// notification sends no second email.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
    from: String,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> PortResult<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| PortError::failed(format!("cannot create outbox {}: {e}", dir.display()), e))?;
        Ok(Self { dir, from: from.into() })
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> PortResult<()> {
        let safe_id: String = email.id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect();
        let path = self.dir.join(format!("{safe_id}.eml"));
        if path.exists() {
            return Ok(());
        }
        // The same message SES is given (`inbox_domain::mail::mime`).
        let body = inbox_domain::mail::mime(&self.from, email, chrono::Utc::now()).map_err(PortError::Unavailable)?;
        let tmp = self.dir.join(format!(".{safe_id}.tmp"));
        let write = async {
            tokio::fs::write(&tmp, body.as_bytes()).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write.await.map_err(|e| PortError::failed(format!("cannot write {}: {e}", path.display()), e))
    }
}
