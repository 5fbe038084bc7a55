//! The web client in a real browser: headless Chromium over WebDriver
//! against the whole stack (see `browser.rs`), plus how the gateway serves
//! the client's files (`serving.rs`, no browser).
//!
//! One test binary; each module holds one part of the client. Run one part
//! with `cargo test -p everytime --test web -- account` (the screenshots
//! land in `target/tmp/web/<test>/`).

#[path = "../support/mod.rs"]
mod support;

mod browser;

mod account;
mod community;
mod entries;
mod grades;
mod leaving;
mod messages;
mod notifications;
mod reports;
mod reviews;
mod serving;
mod timetable;
