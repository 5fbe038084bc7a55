//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds the
//! `migrations/` folder at compile time, and Cargo does not watch it alone.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
