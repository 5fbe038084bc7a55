//! The gateway's configuration: backend addresses, deadlines, cookies, CORS
//! and the auth rate limit, read from the environment (the README lists
//! every variable).

use std::{net::SocketAddr, time::Duration};

use everytime_common::{
    config::{self, ConfigError},
    token::TokenSettings,
};

/// Everything the gateway is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The auth service (`AUTH_URL`, default `http://127.0.0.1:50051`).
    pub auth_url: String,
    /// The community service (`COMMUNITY_URL`, default `http://127.0.0.1:50052`).
    pub community_url: String,
    /// The timetable service (`TIMETABLE_URL`, default `http://127.0.0.1:50053`).
    pub timetable_url: String,
    /// The deadline of every gRPC call (`GRPC_TIMEOUT_MS`, default 5000).
    pub grpc_timeout: Duration,
    /// The most a whole HTTP request may take (`REQUEST_TIMEOUT_MS`, default 15000).
    pub request_timeout: Duration,
    /// Issuer, audience and lifetimes of tokens.
    pub tokens: TokenSettings,
    /// Mark cookies `Secure` and name them `__Host-access_token` and
    /// `__Host-refresh_token` (`Path=/`, no `Domain`, so no sibling
    /// subdomain can set or shadow them) (`COOKIE_SECURE`, default false;
    /// turn on behind HTTPS). It also makes the gateway's own origin, for
    /// the CSRF check, `https://` + the request's `Host`.
    pub cookie_secure: bool,
    /// The gateway's own origin for the CSRF check of cookie-authenticated
    /// writes (`PUBLIC_ORIGIN`, e.g. `https://everytime.example`; default
    /// none: the request's `Host`, with the scheme by `COOKIE_SECURE`).
    pub public_origin: Option<String>,
    /// Origins allowed by CORS, with credentials (`CORS_ALLOWED_ORIGINS`,
    /// comma-separated; default none).
    pub cors_origins: Vec<String>,
    /// Take the client address from the right-most `X-Forwarded-For` entry
    /// (`TRUST_FORWARDED_FOR`, default false; turn on behind exactly one
    /// proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Where Prometheus scrapes `/metrics`, never the public port
    /// (`GATEWAY_METRICS_LISTEN_ADDR`, default `127.0.0.1:9080`; empty or
    /// `off`: none). `None` in [`Config::new`], for tests and the launcher,
    /// which serves one metrics listener for the whole process.
    pub metrics_addr: Option<SocketAddr>,
    /// Sign-in requests per client address (IPv4, or IPv6 /64) per minute
    /// (`AUTH_RATE_LIMIT_PER_MINUTE`, default 600: a campus behind one
    /// address). Refresh is never limited by address.
    pub auth_rate_limit_per_minute: u32,
    /// Sign-up requests per client address (IPv4, or IPv6 /64) per hour
    /// (`SIGN_UP_RATE_LIMIT_PER_HOUR`, default 300).
    pub sign_up_rate_limit_per_hour: u32,
    /// How long, at shutdown, `/readyz` answers `503` (`shutting_down`)
    /// while the gateway still accepts and serves, every answer with
    /// `Connection: close`, before it stops accepting and drains
    /// (`SHUTDOWN_DELAY_MS`, default 0). A load balancer then takes it out
    /// before a new connection could be refused, and keep-alive clients
    /// move to another replica on a fresh connection.
    pub shutdown_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// Defaults with every backend at its default local address.
    pub fn new() -> Self {
        Config {
            auth_url: "http://127.0.0.1:50051".into(),
            community_url: "http://127.0.0.1:50052".into(),
            timetable_url: "http://127.0.0.1:50053".into(),
            grpc_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            tokens: TokenSettings::default(),
            cookie_secure: false,
            public_origin: None,
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
            metrics_addr: None,
            auth_rate_limit_per_minute: 600,
            sign_up_rate_limit_per_hour: 300,
            shutdown_delay: Duration::ZERO,
        }
    }

    /// Reads the environment; the README lists every variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Config::new();
        config.auth_url = config::var_or("AUTH_URL", &config.auth_url);
        config.community_url = config::var_or("COMMUNITY_URL", &config.community_url);
        config.timetable_url = config::var_or("TIMETABLE_URL", &config.timetable_url);
        config.grpc_timeout = config::millis_or("GRPC_TIMEOUT_MS", 5000)?;
        config.request_timeout = config::millis_or("REQUEST_TIMEOUT_MS", 15_000)?;
        config.tokens = TokenSettings::from_env()?;
        config.cookie_secure = config::flag_or("COOKIE_SECURE", false)?;
        config.public_origin = config::var("PUBLIC_ORIGIN");
        config.cors_origins = config::var("CORS_ALLOWED_ORIGINS")
            .map(|origins| {
                origins
                    .split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        config.trust_forwarded_for = config::flag_or("TRUST_FORWARDED_FOR", false)?;
        config.metrics_addr =
            config::optional_listen_addr("GATEWAY_METRICS_LISTEN_ADDR", "127.0.0.1:9080")?;
        config.auth_rate_limit_per_minute = config::parse_or(
            "AUTH_RATE_LIMIT_PER_MINUTE",
            config.auth_rate_limit_per_minute,
        )?;
        config.sign_up_rate_limit_per_hour = config::parse_or(
            "SIGN_UP_RATE_LIMIT_PER_HOUR",
            config.sign_up_rate_limit_per_hour,
        )?;
        config.shutdown_delay = config::millis_or_none("SHUTDOWN_DELAY_MS", 0)?;
        Ok(config)
    }
}
