//! What every HTTP-facing function shares: configuration, authentication, the one place where
//! errors become HTTP answers, body extraction, and opaque feed cursors.

pub mod app;
pub mod auth;
pub mod cursor;
pub mod error;
pub mod json;
pub mod openapi;
pub mod path;
pub mod state;

pub use state::{AppState, Secret, WebConfig};
