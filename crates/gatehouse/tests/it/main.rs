//! gatehouse's integration tests: one binary, a module per area. Each test gets a fresh
//! database, and most run once on SQLite and once on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops at its first surprise, with the value in the message"
)]

mod api;
mod api_auth;
mod authorize;
mod authorized_applications;
mod browser;
mod cli;
mod connect_in_browser;
mod login;
mod monitoring;
mod operators;
mod revoke_introspect;
mod secrets_at_rest;
mod server;
mod storage;
mod support;
mod token;
mod webhooks;
