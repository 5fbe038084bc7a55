//! The timetable service over real gRPC, with a fresh database per test:
//! one file per use case, one test binary.

#[path = "../support/mod.rs"]
mod support;

mod catalog;
mod events;
mod friends;
mod picture;
mod races;
mod reviews;
mod timetables;
mod tokens;
