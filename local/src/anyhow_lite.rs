//! A tiny error type for start-up: a sentence for the operator.

#[derive(Debug)]
pub struct Error(pub String);
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl From<inbox_domain::error::PortError> for Error {
    fn from(e: inbox_domain::error::PortError) -> Self {
        Error(e.to_string())
    }
}
pub type Result<T> = std::result::Result<T, Error>;
