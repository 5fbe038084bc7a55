//! Trace context without OpenTelemetry, for a process that exports no
//! spans (no `OTEL_EXPORTER_OTLP_ENDPOINT`).
//!
//! Every span gets the trace id of its parent span, or of the caller's W3C
//! `traceparent` ([`update`]), or a new random one, and a span id of
//! its own, kept in the span's extensions. That is all the logs
//! (`trace_id`) and the calls the process makes (`traceparent`) need. Unlike
//! the OpenTelemetry layer, which builds every span's attributes and takes
//! the time and its own lock on every enter and exit, [`TraceIds`] does its
//! work once, when a span is created, and nothing on enter or exit.

use tracing::{Subscriber, span};
use tracing_subscriber::{Layer, Registry, layer::Context, registry::LookupSpan};

/// A span's place in its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    /// The trace's id (never 0).
    pub trace_id: u128,
    /// The span's own id (never 0).
    pub span_id: u64,
}

impl Ids {
    /// The trace id as 32 lowercase hex digits, as logs and W3C write it.
    pub fn trace_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// The W3C `traceparent` that makes a callee's spans children of this
    /// span. The sampled flag is off: nothing here records spans.
    pub fn traceparent(&self) -> String {
        format!("00-{:032x}-{:016x}-00", self.trace_id, self.span_id)
    }
}

/// The layer that gives every span its [`Ids`].
#[derive(Debug, Default, Clone, Copy)]
pub struct TraceIds;

impl<S> Layer<S> for TraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let trace_id = span
            .parent()
            .and_then(|parent| parent.extensions().get::<Ids>().map(|ids| ids.trace_id))
            .unwrap_or_else(|| nonzero(rand::random()));
        span.extensions_mut().insert(Ids {
            trace_id,
            span_id: nonzero(rand::random()),
        });
    }
}

fn nonzero<T: From<u8> + PartialEq>(id: T) -> T {
    if id == T::from(0) { T::from(1) } else { id }
}

/// The [`Ids`] of `span`, when [`TraceIds`] is installed and the span is
/// enabled.
pub fn of(span: &tracing::Span) -> Option<Ids> {
    span.with_subscriber(|(id, dispatch)| {
        let registry = dispatch.downcast_ref::<Registry>()?;
        registry.span(id)?.extensions().get::<Ids>().copied()
    })
    .flatten()
}

/// Changes the [`Ids`] of `span` with `change` (a caller's trace id, say:
/// spans created inside it afterwards inherit it) and answers them, in one
/// lookup; `None` when [`TraceIds`] is not installed or the span is
/// disabled.
pub fn update(span: &tracing::Span, change: impl FnOnce(&mut Ids)) -> Option<Ids> {
    span.with_subscriber(|(id, dispatch)| {
        let span = dispatch.downcast_ref::<Registry>()?.span(id)?;
        let mut extensions = span.extensions_mut();
        let ids = extensions.get_mut::<Ids>()?;
        change(ids);
        Some(*ids)
    })
    .flatten()
}

/// The trace id of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`),
/// when it is well formed and neither id is all zeros.
pub fn parse_traceparent(value: &str) -> Option<u128> {
    let mut parts = value.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |part: &str, len: usize| {
        part.len() == len
            && part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    // Version ff is invalid; a later version may carry more fields.
    if !hex(version, 2) || version == "ff" || !hex(flags, 2) || !hex(trace, 32) || !hex(parent, 16)
    {
        return None;
    }
    if version == "00" && parts.next().is_some() {
        return None;
    }
    let trace_id = u128::from_str_radix(trace, 16).ok()?;
    let parent_id = u64::from_str_radix(parent, 16).ok()?;
    (trace_id != 0 && parent_id != 0).then_some(trace_id)
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn traceparents_are_read_as_w3c_trace_context_says() {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            parse_traceparent(&format!("00-{trace}-00f067aa0ba902b7-01")),
            Some(0x4bf92f3577b34da6a3ce929d0e0e4736)
        );
        assert_eq!(
            parse_traceparent(&format!("01-{trace}-00f067aa0ba902b7-00-what-comes-next")),
            Some(0x4bf92f3577b34da6a3ce929d0e0e4736),
            "a later version may add fields"
        );
        for bad in [
            format!("00-{trace}-00f067aa0ba902b7-01-extra"),
            format!("ff-{trace}-00f067aa0ba902b7-01"),
            format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            format!("00-{trace}-0000000000000000-01"),
            format!("00-{}-00f067aa0ba902b7-01", trace.to_uppercase()),
            format!("00-{trace}-00f067aa0ba902b7"),
            "00-abc-def-01".to_owned(),
            String::new(),
        ] {
            assert_eq!(parse_traceparent(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn spans_inherit_the_trace_of_their_parent_or_of_their_caller() {
        let subscriber = tracing_subscriber::registry().with(TraceIds);
        tracing::subscriber::with_default(subscriber, || {
            let first = tracing::info_span!("request");
            let second = tracing::info_span!("request");
            let (a, b) = (of(&first).expect("ids"), of(&second).expect("ids"));
            assert_ne!(a.trace_id, b.trace_id, "each root span starts a trace");

            let continued = update(&first, |ids| ids.trace_id = 42).expect("ids");
            assert_eq!((continued.trace_id, continued.span_id), (42, a.span_id));
            assert_eq!(continued.trace_hex(), format!("{:032x}", 42));
            let child = first.in_scope(|| tracing::info_span!("store"));
            let grandchild = child.in_scope(|| tracing::info_span!("query"));
            let (child, grandchild) = (of(&child).expect("ids"), of(&grandchild).expect("ids"));
            assert_eq!((child.trace_id, grandchild.trace_id), (42, 42));
            assert_ne!(child.span_id, grandchild.span_id);
            assert_eq!(
                child.traceparent(),
                format!("00-{:032x}-{:016x}-00", 42, child.span_id)
            );
            assert_eq!(parse_traceparent(&child.traceparent()), Some(42));
        });
        assert_eq!(of(&tracing::Span::none()), None);
    }
}
