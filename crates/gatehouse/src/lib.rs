//! gatehouse: a self-hostable, Sentry-compatible OAuth 2.1 authorization server for partner
//! integrations.
//!
//! The layers, outside in: [`cli`] parses the command line; [`router`] lists every route and
//! [`server`] runs them; [`domain`] holds the validated types that input is parsed into;
//! [`storage`] is the one database API over SQLite and PostgreSQL.

pub mod api;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod keys;
pub mod oauth;
pub mod pages;
pub mod router;
pub mod server;
pub mod storage;
pub mod telemetry;
pub mod web;
pub mod webhooks;
