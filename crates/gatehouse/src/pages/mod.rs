//! The HTML pages people use: signing in and out, and their account.

pub mod home;
pub mod login;
pub mod settings;
