//! Logs, spans and traces, set up once per process.
//!
//! - `RUST_LOG` filters (default `info`, with Postgres notices at `warn`).
//! - `LOG_FORMAT=json` prints one JSON object per event: a top-level
//!   `trace_id` whenever the event happens inside a traced span (however
//!   deeply nested), and the fields of the current span under `span`;
//!   otherwise human-readable lines.
//! - Spans always carry OpenTelemetry trace context, so a trace id is known
//!   and propagated even when nothing is exported. With
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://localhost:4317`), spans
//!   are exported over OTLP/gRPC in batches (`OTEL_BSP_SCHEDULE_DELAY` and the
//!   other standard batch variables apply). A collector that is down or not
//!   there costs nothing but the lost spans: export errors are neither fatal
//!   nor logged (the exporter's internal logs are compiled out).
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
use tracing::{Event, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    EnvFilter, Layer,
    fmt::{
        FmtContext, FormatEvent, FormatFields, MakeWriter,
        format::{JsonFields, Writer},
    },
    layer::SubscriberExt,
    registry::LookupSpan,
    util::SubscriberInitExt,
};

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
        json_layer(std::io::stdout).boxed()
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

/// The `LOG_FORMAT=json` layer, writing to `make_writer`: one JSON object
/// per line, with a top-level `trace_id` inside traced spans and the current
/// span's fields under `span`.
fn json_layer<S, W>(make_writer: W) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let format = tracing_subscriber::fmt::format()
        .json()
        .with_current_span(true)
        .with_span_list(false);
    tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(WithTraceId(format))
        .with_writer(make_writer)
}

/// Wraps a JSON event format and puts the OpenTelemetry trace id of the
/// current span first on the line, as `trace_id`.
///
/// The built-in JSON format only shows the fields of the current span, so an
/// event in a span nested under the request span (a store function's, say)
/// would have no trace id; the trace id lives in the span's OpenTelemetry
/// context, which every span inherits from its parent.
struct WithTraceId<F>(F);

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        // Read the context only now: the inner format has released the
        // span's extensions, which reading the context locks again.
        let in_span = ctx.lookup_current().is_some();
        let trace_id = if in_span {
            trace_id(&tracing::Span::current())
        } else {
            String::new()
        };
        match line.strip_prefix('{') {
            // 32 hex digits: nothing to escape.
            Some(rest) if !trace_id.is_empty() => {
                write!(writer, "{{\"trace_id\":\"{trace_id}\",{rest}")
            }
            _ => writer.write_str(&line),
        }
    }
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

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        time::{Duration, Instant},
    };

    use opentelemetry::trace::Tracer as _;

    use super::*;

    /// Log output kept in memory.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    // The only test of this binary that installs a global subscriber: the
    // trace id is read through the global dispatcher, as in the services.
    #[test]
    fn json_lines_inside_nested_spans_carry_the_trace_id_of_the_request() {
        let buffer = Buffer::default();
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::INFO)
            .with(json_layer(buffer.clone()))
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            format!("00-{trace}-00f067aa0ba902b7-01")
                .parse()
                .expect("a header value"),
        );

        let request = tracing::info_span!("request", trace_id = tracing::field::Empty);
        continue_trace(&request, &headers);
        request.in_scope(|| {
            tracing::info!(marker = "in-request", "handling");
            let store = tracing::info_span!("store", table = "users");
            store.in_scope(|| {
                let query = tracing::info_span!("query");
                query.in_scope(|| tracing::info!(marker = "nested", "querying"));
            });
        });
        tracing::info!(marker = "outside", "between requests");

        let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
        let events: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("every line is one JSON object"))
            .collect();
        let event = |marker: &str| {
            events
                .iter()
                .find(|event| event["fields"]["marker"] == marker)
                .unwrap_or_else(|| panic!("the {marker} event in {text}"))
                .clone()
        };
        let nested = event("nested");
        assert_eq!(nested["trace_id"], trace, "{nested}");
        assert_eq!(nested["span"]["name"], "query", "{nested}");
        assert_eq!(event("in-request")["trace_id"], trace);
        assert_eq!(event("in-request")["span"]["trace_id"], trace);
        assert!(event("outside").get("trace_id").is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_collector_that_is_not_there_neither_fails_nor_stalls_the_process() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port");
        let provider = tracer_provider("test", Some(format!("http://{closed}")));
        provider.tracer("test").in_span("lost", |_| {});

        let started = Instant::now();
        let telemetry = Telemetry {
            provider: Some(provider),
        };
        telemetry.flush().await;
        telemetry.shutdown().await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "flushing to a missing collector took {:?}",
            started.elapsed()
        );
    }
}
