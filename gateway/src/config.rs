//! The gateway's configuration: backend addresses, deadlines, cookies, CORS
//! and the auth rate limit, read from the environment (the README lists
//! every variable).

use std::time::Duration;

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
    /// Mark cookies `Secure` (`COOKIE_SECURE`, default false; turn on behind HTTPS).
    pub cookie_secure: bool,
    /// Origins allowed by CORS, with credentials (`CORS_ALLOWED_ORIGINS`,
    /// comma-separated; default none).
    pub cors_origins: Vec<String>,
    /// Take the client address from the right-most `X-Forwarded-For` entry
    /// (`TRUST_FORWARDED_FOR`, default false; turn on behind exactly one
    /// proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Sign-up, sign-in and refresh requests per client address per minute
    /// (`AUTH_RATE_LIMIT_PER_MINUTE`, default 60).
    pub auth_rate_limit_per_minute: u32,
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
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
            auth_rate_limit_per_minute: 60,
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
        config.auth_rate_limit_per_minute = config::parse_or("AUTH_RATE_LIMIT_PER_MINUTE", 60)?;
        Ok(config)
    }
}
