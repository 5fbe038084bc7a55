//! Settings come from environment variables, each with a local default.
//!
//! The README lists every variable. Parsing is strict: a variable that is set
//! but malformed stops start-up with a message naming it, rather than being
//! silently replaced by the default.

use std::{fmt::Display, net::SocketAddr, str::FromStr, time::Duration};

/// A variable was set to something that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    /// The variable's name.
    pub name: String,
    /// What it was set to.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// The variable's value, or `None` when it is unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The variable's value, or `default`.
pub fn var_or(name: &str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_owned())
}

/// The first of `names` that is set, or `default`.
pub fn first_var_or(names: &[&str], default: &str) -> String {
    names
        .iter()
        .find_map(|name| var(name))
        .unwrap_or_else(|| default.to_owned())
}

/// The variable parsed as `T`, or `default` when unset.
pub fn parse_or<T>(name: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    match var(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|error: T::Err| ConfigError {
            name: name.to_owned(),
            reason: error.to_string(),
            value,
        }),
    }
}

/// A socket address to listen on, e.g. `AUTH_LISTEN_ADDR=0.0.0.0:50051`.
pub fn listen_addr(name: &str, default: &str) -> Result<SocketAddr, ConfigError> {
    let value = var_or(name, default);
    value
        .parse()
        .map_err(|error: std::net::AddrParseError| ConfigError {
            name: name.to_owned(),
            reason: error.to_string(),
            value,
        })
}

/// An optional listen address, e.g. `AUTH_METRICS_LISTEN_ADDR`: `default`
/// when the variable is unset, `None` (the listener is off) when it is set
/// to the empty string or `off`.
pub fn optional_listen_addr(name: &str, default: &str) -> Result<Option<SocketAddr>, ConfigError> {
    let value = match std::env::var(name) {
        Ok(value) => value.trim().to_owned(),
        Err(_) => default.to_owned(),
    };
    if value.is_empty() || value.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|error: std::net::AddrParseError| ConfigError {
            name: name.to_owned(),
            reason: error.to_string(),
            value,
        })
}

/// A duration given in whole seconds, e.g. `ACCESS_TOKEN_TTL_SECONDS=900`.
pub fn seconds_or(name: &str, default: u64) -> Result<Duration, ConfigError> {
    let seconds: u64 = parse_or(name, default)?;
    if seconds == 0 {
        return Err(ConfigError {
            name: name.to_owned(),
            value: "0".to_owned(),
            reason: "must be at least 1 second".to_owned(),
        });
    }
    Ok(Duration::from_secs(seconds))
}

/// A duration given in milliseconds, e.g. `GRPC_TIMEOUT_MS=5000`.
pub fn millis_or(name: &str, default: u64) -> Result<Duration, ConfigError> {
    let millis: u64 = parse_or(name, default)?;
    if millis == 0 {
        return Err(ConfigError {
            name: name.to_owned(),
            value: "0".to_owned(),
            reason: "must be at least 1 millisecond".to_owned(),
        });
    }
    Ok(Duration::from_millis(millis))
}

/// A duration in milliseconds that may be 0 (none), e.g.
/// `SHUTDOWN_DELAY_MS=0`.
pub fn millis_or_none(name: &str, default: u64) -> Result<Duration, ConfigError> {
    parse_or(name, default).map(Duration::from_millis)
}

/// A boolean: `true`/`false`, `1`/`0`, `yes`/`no`.
pub fn flag_or(name: &str, default: bool) -> Result<bool, ConfigError> {
    match var(name).map(|value| value.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(value) => match value.as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(ConfigError {
                name: name.to_owned(),
                value,
                reason: "expected true or false".to_owned(),
            }),
        },
    }
}
