//! The real HTTP clients of the social inbox: what [`PlatformClient`] and [`PlatformPoller`]
//! need, spoken to Meta's Graph API (Facebook Pages, Messenger, Instagram), X API v2, LinkedIn's
//! Community Management API and the YouTube Data API v3.
//!
//! - [`HttpPlatformClient`]: replies, likes, reposts, DMs (Messenger within the 24-hour window,
//!   then with the `HUMAN_AGENT` tag up to 7 days; private replies to Facebook and Instagram
//!   comments; X DMs) and Messenger thread control.
//! - [`HttpPlatformPoller`]: X mentions, YouTube comment threads and LinkedIn post comments,
//!   normalised by `inbox_platforms`.
//! - [`errors`]: one classifier per network, from an error answer to what to do (reconnect,
//!   retry, give up with a reason).
//! - [`NetworkConfig`]: base URLs (real by default, overridable so a simulator on loopback can
//!   stand in for every network), the `LinkedIn-Version`, the timeout and polling limits.
//!
//! Every call authenticates with the profile's token as `Authorization: Bearer <token>`; tokens
//! never appear in URLs, logs or error words.
//!
//! Known limits:
//! - LinkedIn: the spec documents no call that lists an organisation's posts, so the posts
//!   whose comments are polled are configured ([`PollingConfig::linkedin_posts`]); only organic
//!   post URNs are read, and the configured posts are read once a day (one `BATCH_GET`) to skip
//!   Direct Sponsored Content and dark posts (LinkedIn ads are not ingested). Only the comments LinkedIn lists for a
//!   post are read (no separate "comments on comments" calls), at most
//!   `linkedin_max_pages_per_post` pages a poll, and their order is not documented.
//! - Instagram DMs and private replies go to `/{external_id}/messages` (the Instagram account);
//!   Meta documents `/{page-id}/messages` for Facebook-Login apps and the profile does not carry
//!   the linked Page id.
//!
//! [`PlatformClient`]: inbox_domain::ports::PlatformClient
//! [`PlatformPoller`]: inbox_domain::ports::PlatformPoller

mod client;
pub mod config;
pub mod errors;
mod http;
mod poller;
pub mod signin;

pub use client::{
    HUMAN_AGENT_WINDOW_DAYS, HttpPlatformClient, PASS_METADATA, STANDARD_WINDOW_HOURS, SendWindow, TAKE_METADATA, linkedin_org_urn,
    send_window,
};
pub use config::{NetworkConfig, NetworkOverrides, PollingConfig};
pub use errors::Failure;
pub use http::SetupError;
pub use poller::{HttpPlatformPoller, OVERLAP, X_TWEET_FIELDS};
pub use signin::{AppCredentials, HttpSignIn, SignInConfig};
