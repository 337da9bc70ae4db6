//! What the bench binaries share: latency summaries and what the process and machine look like.

pub mod stats;
pub mod sys;
