//! HTTP-level tests of the inbox core through the router, one per product rule.

mod rules;
