//! Logs, spans and traces, set up once per process.
//!
//! - `RUST_LOG` filters (default `info`, with Postgres notices at `warn`).
//! - `LOG_FORMAT=json` prints one JSON object per event: a top-level
//!   `trace_id` whenever the event happens inside a traced span (however
//!   deeply nested), and the fields of the current span under `span`;
//!   otherwise human-readable lines.
//! - Spans always carry W3C trace context, so a trace id is known and
//!   propagated even when nothing is exported: then a small layer of our own
//!   ([`ids`]) gives each span its ids when it is created and does nothing
//!   else, and the OpenTelemetry layer, which costs far more on every poll of
//!   every span, is not installed. With
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://localhost:4317`), spans
//!   are exported over OTLP/gRPC in batches (`OTEL_BSP_SCHEDULE_DELAY` and the
//!   other standard batch variables apply). A collector that is down or not
//!   there costs nothing but the lost spans: export errors are neither fatal
//!   nor logged (the exporter's internal logs are compiled out).
//! - W3C `traceparent` travels in gRPC metadata: [`inject`] on the way out
//!   (the gateway), [`continue_trace`] on the way in (every service), so one trace
//!   covers the app's request from the gateway down to the SQL.

mod ids;

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
    filter::Targets,
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
    let exporting = endpoint.is_some();
    let provider = tracer_provider(service, endpoint);
    let tracer: Tracer = provider.tracer("everytime");
    if try_init_subscriber(tracer, exporting) {
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing::debug!(service, "telemetry ready");
        Telemetry {
            provider: Some(provider),
        }
    } else {
        Telemetry::default()
    }
}

/// Exporting, spans go through the OpenTelemetry layer; otherwise
/// [`ids::TraceIds`] gives them their trace context for a fraction of the
/// cost.
fn try_init_subscriber(tracer: Tracer, exporting: bool) -> bool {
    let (targets, env_filter) = filters(crate::config::var("RUST_LOG"));
    let json =
        crate::config::var("LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    let fmt = if json {
        json_layer(std::io::stdout).boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    tracing_subscriber::registry()
        .with(targets)
        .with(env_filter)
        .with(fmt)
        .with(exporting.then(|| otel_layer(tracer)))
        .with((!exporting).then_some(ids::TraceIds))
        .try_init()
        .is_ok()
}

/// What `RUST_LOG` asks for (default `info`, and Postgres notices such as
/// "relation already exists, skipping" only from `warn`): as [`Targets`]
/// when it names only targets and levels, the usual case, else (span or
/// field directives) as an [`EnvFilter`]. `Targets` decides once per call
/// site; `EnvFilter` also takes a shared lock on every enter and exit of
/// every span to track the directives that depend on spans, which under
/// load costs more than the logging itself.
fn filters(rust_log: Option<String>) -> (Option<Targets>, Option<EnvFilter>) {
    let directives = rust_log.unwrap_or_else(|| DEFAULT_FILTER.to_owned());
    // `Targets` would take `[span]` as part of a target name.
    let plain = directives
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '=' | ',' | '-' | ' '));
    match directives.parse::<Targets>() {
        Ok(targets) if plain => (Some(targets), None),
        _ => (
            None,
            Some(
                EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER)),
            ),
        ),
    }
}

/// The filter without `RUST_LOG`.
const DEFAULT_FILTER: &str = "info,sqlx::postgres::notice=warn";

/// The OpenTelemetry layer, without the work nobody reads: it does not time
/// how long each span sat idle between polls (two clock reads on every
/// enter and exit of every span), does not attach the span's context to
/// the thread on every enter (nothing here asks OpenTelemetry for the
/// current context; [`inject`] reads the span's own), and does not record
/// the thread's name, an allocation per span.
fn otel_layer<S>(tracer: Tracer) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_threads(false)
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
        let current = ctx.lookup_current();
        let ids = current
            .as_ref()
            .and_then(|span| span.extensions().get::<ids::Ids>().copied());
        let trace_id = match (current, ids) {
            (None, _) => String::new(),
            (Some(_), Some(ids)) => ids.trace_hex(),
            (Some(_), None) => trace_id(&tracing::Span::current()),
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
    if let Some(ids) = ids::of(span) {
        return ids.trace_hex();
    }
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
    let continued = ids::update(span, |ids| {
        if let Some(trace_id) = headers
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(ids::parse_traceparent)
        {
            ids.trace_id = trace_id;
        }
    });
    let trace_id = match continued {
        Some(ids) => ids.trace_hex(),
        None => {
            let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
            if parent.span().span_context().is_valid() {
                let _ = span.set_parent(parent);
            }
            trace_id(span)
        }
    };
    span.record("trace_id", trace_id.as_str());
}

/// Writes the current span's trace context into outgoing gRPC metadata.
pub fn inject(metadata: &mut tonic::metadata::MetadataMap) {
    let span = tracing::Span::current();
    if let Some(ids) = ids::of(&span) {
        if let Ok(value) = ids.traceparent().parse() {
            metadata.insert("traceparent", value);
        }
        return;
    }
    let context = span.context();
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

    #[test]
    fn plain_directives_filter_by_target_and_span_directives_fall_back() {
        use tracing::Level;
        let (targets, env) = filters(None);
        let targets = targets.expect("the default is plain");
        assert!(env.is_none());
        assert!(targets.would_enable("everytime_community::store", &Level::INFO));
        assert!(!targets.would_enable("everytime_community::store", &Level::DEBUG));
        assert!(!targets.would_enable("sqlx::postgres::notice", &Level::INFO));
        assert!(targets.would_enable("sqlx::postgres::notice", &Level::WARN));

        let (targets, env) = filters(Some("warn,everytime_gateway=debug".into()));
        let targets = targets.expect("plain");
        assert!(env.is_none());
        assert!(targets.would_enable("everytime_gateway::routes", &Level::DEBUG));
        assert!(!targets.would_enable("tower_http", &Level::INFO));

        for spanned in [
            "info,[grpc]=debug",
            "everytime_community[grpc{rpc.method}]=trace",
        ] {
            let (targets, env) = filters(Some(spanned.into()));
            assert!(
                targets.is_none() && env.is_some(),
                "{spanned} needs an EnvFilter"
            );
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
        nested_lines_carry_the_trace_of_the_request(&buffer);
    }

    #[test]
    fn without_an_exporter_the_trace_ids_layer_gives_logs_and_calls_the_trace() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::INFO)
            .with(json_layer(buffer.clone()))
            .with(ids::TraceIds);
        tracing::subscriber::with_default(subscriber, || {
            nested_lines_carry_the_trace_of_the_request(&buffer);
            let request = tracing::info_span!("request", trace_id = tracing::field::Empty);
            continue_trace(&request, &HeaderMap::new());
            let trace = trace_id(&request);
            assert_eq!(trace.len(), 32, "a trace of its own without a traceparent");
            let mut metadata = tonic::metadata::MetadataMap::new();
            request.in_scope(|| inject(&mut metadata));
            let sent = metadata
                .get("traceparent")
                .and_then(|value| value.to_str().ok())
                .expect("a traceparent");
            assert!(sent.starts_with(&format!("00-{trace}-")), "{sent}");
            assert_eq!(
                ids::parse_traceparent(sent).map(|id| format!("{id:032x}")),
                Some(trace)
            );
        });
    }

    /// Logs in and under a request span that continued a caller's trace,
    /// and one outside it, into `buffer` (the current subscriber's JSON
    /// layer), and checks which carry the trace id.
    fn nested_lines_carry_the_trace_of_the_request(buffer: &Buffer) {
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
