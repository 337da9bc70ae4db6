//! HTTP-level tests of the inbox core through the router, one per product rule.

mod admin;
mod concurrency;
mod connect;
mod errors;
mod fixtures;
mod hardening;
mod integrations;
mod mail;
mod networks;
mod polling;
mod rules;
mod saved_replies;
mod scenarios;
mod support;
mod team;
