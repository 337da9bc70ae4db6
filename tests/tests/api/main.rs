//! HTTP-level tests of the inbox core through the router, one per product rule.

mod admin;
mod concurrency;
mod polling;
mod errors;
mod networks;
mod rules;
mod support;
mod team;
