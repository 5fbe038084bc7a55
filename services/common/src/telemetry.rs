//! Logs, spans and traces, set up once per process.
//!
//! - `RUST_LOG` filters (default `info`, with Postgres notices at `warn`).
//! - `LOG_FORMAT=json` prints one JSON object per event, with the fields of
//!   the current span, including its `trace_id`; otherwise human-readable
//!   lines.
//! - Spans always carry OpenTelemetry trace context, so a trace id is known
//!   and propagated even when nothing is exported. With
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://localhost:4317`), spans
//!   are exported over OTLP/gRPC in batches (`OTEL_BSP_SCHEDULE_DELAY` and the
//!   other standard batch variables apply).
//! - W3C `traceparent` travels in gRPC metadata: [`inject`] on the way out
//!   (the gateway), [`extract`] on the way in (every service), so one trace
//!   covers the app's request from the gateway down to the SQL.

use http::HeaderMap;
use opentelemetry::{
    KeyValue,
    propagation::{Extractor, Injector, TextMapPropagator},
    trace::{TraceContextExt, TracerProvider as _},
};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracerProvider, Tracer},
};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] flushes spans
/// that are still queued before the process exits.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports every finished span now.
    pub async fn flush(&self) {
        if let Some(provider) = self.provider.clone() {
            // The exporter's gRPC channel lives on this runtime: wait for it
            // from a blocking thread, never from a runtime worker.
            let flushed = tokio::task::spawn_blocking(move || provider.force_flush()).await;
            if let Ok(Err(error)) = flushed {
                tracing::warn!(%error, "cannot flush spans");
            }
        }
    }

    /// Flushes and stops the exporter.
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let stopped = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(error)) = stopped {
                tracing::warn!(%error, "cannot flush spans");
            }
        }
    }
}

fn tracer_provider(service: &str, endpoint: Option<String>) -> SdkTracerProvider {
    let resource = Resource::builder_empty()
        .with_service_name(service.to_owned())
        .with_attribute(KeyValue::new("service.namespace", "everytime"))
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = endpoint else {
        return builder.build();
    };
    use opentelemetry_otlp::WithExportConfig;
    match opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint.clone())
        .build()
    {
        Ok(exporter) => builder.with_batch_exporter(exporter).build(),
        Err(error) => {
            // Start anyway: losing traces must not take the service down.
            eprintln!("cannot export traces to {endpoint}: {error}");
            builder.build()
        }
    }
}

/// Installs the global subscriber and tracer for `service`. Call it inside
/// the Tokio runtime (the OTLP exporter needs it). Calling it again (several
/// services in one process, or many tests) is harmless: only the first call
/// takes effect.
pub fn init(service: &str) -> Telemetry {
    init_with(service, crate::config::var("OTEL_EXPORTER_OTLP_ENDPOINT"))
}

/// [`init`] exporting to `endpoint` (OTLP/gRPC) when given.
pub fn init_with(service: &str, endpoint: Option<String>) -> Telemetry {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = tracer_provider(service, endpoint);
    let tracer: Tracer = provider.tracer("everytime");
    if try_init_subscriber(tracer) {
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing::debug!(service, "telemetry ready");
        Telemetry {
            provider: Some(provider),
        }
    } else {
        Telemetry::default()
    }
}

fn try_init_subscriber(tracer: Tracer) -> bool {
    // Postgres notices ("relation already exists, skipping") are not news.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx::postgres::notice=warn"));
    let json =
        crate::config::var("LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    let fmt = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .try_init()
        .is_ok()
}

/// The trace id of `span`, as 32 hex digits (empty without a trace).
pub fn trace_id(span: &tracing::Span) -> String {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span_context.trace_id().to_string()
    } else {
        String::new()
    }
}

/// Makes `span` a child of the trace context in `headers` (W3C
/// `traceparent`), and records its trace id in the span's `trace_id` field
/// when it has one, so JSON logs carry it.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    span.record("trace_id", trace_id(span).as_str());
}

/// Writes the current span's trace context into outgoing gRPC metadata.
pub fn inject(metadata: &mut tonic::metadata::MetadataMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut MetadataInjector(metadata));
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}
