//! The HTTP transport: TLS, authentication, rate limiting, retries and warnings over reqwest.

/// Placeholder until the transport lands in this same change.
#[derive(Debug, Clone)]
pub struct HttpClient;
