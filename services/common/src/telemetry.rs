//! Logs and spans, set up once per process.
//!
//! `RUST_LOG` filters (default `info`); `LOG_FORMAT=json` switches from
//! human-readable lines to one JSON object per event.

use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber. Calling it again (several services in one
/// process, or many tests) is harmless: only the first call takes effect.
pub fn init(service: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json =
        crate::config::var("LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer()).try_init()
    };
    if result.is_ok() {
        tracing::debug!(service, "telemetry ready");
    }
}
