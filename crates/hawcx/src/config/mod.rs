//! Configuration read once, from the variable names the integration guide uses, so the
//! axum integration, the example app, the CLI and the Python `from_env` agree on them.
//!
//! Values are kept as given; each consumer validates what it uses and names the variable in
//! its error. SecretString values print as `[redacted]`.

pub mod dotenv;

use crate::secret::SecretString;

/// Every setting the guide and the Hawcx 2.0 SDK read from the environment.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Config {
    /// `OAUTH_TOKEN_ENDPOINT`: the token endpoint for code exchange.
    pub token_endpoint: Option<String>,
    /// `OAUTH_CLIENT_ID`: the public client's id (also the delegation `sp_id`).
    pub client_id: Option<String>,
    /// `JWKS_URL`: where the id_token signing keys are published.
    pub jwks_url: Option<String>,
    /// `OAUTH_ISSUER`: expected `iss`; also the base for discovery.
    pub issuer: Option<String>,
    /// `OAUTH_AUDIENCE`: expected `aud` (defaults to the client id where used).
    pub audience: Option<String>,
    /// `OAUTH_PUBLIC_KEY`: a static PEM public key or certificate (text or file path).
    pub public_key: Option<String>,
    /// `OAUTH_REDIRECT_URI`: the redirect URI registered for the app.
    pub redirect_uri: Option<String>,
    /// `SP_ED25519_PRIVATE_KEY_PEM`: the app's delegation signing key.
    pub sp_ed25519_private_key_pem: Option<SecretString>,
    /// `SP_X25519_PRIVATE_KEY_PEM`: the app's delegation encryption key.
    pub sp_x25519_private_key_pem: Option<SecretString>,
    /// `IDP_ED25519_PUBLIC_KEY_PEM`: Hawcx's delegation verification key.
    pub idp_ed25519_public_key_pem: Option<String>,
    /// `IDP_X25519_PUBLIC_KEY_PEM`: Hawcx's delegation encryption key.
    pub idp_x25519_public_key_pem: Option<String>,
    /// `HAWCX_BASE_URL`: the Hawcx API host for delegation and management calls.
    pub base_url: Option<String>,
    /// `HAWCX_API_KEY`: sent as the `apikey` header (1.0 API).
    pub api_key: Option<SecretString>,
    /// `HAWCX_CONFIG_ID`: tenant routing (`X-Config-Id`).
    pub config_id: Option<String>,
    /// `HAWCX_SECRET_KEY`: the `hwx_sk_v1_` credential blob (2.0 API).
    pub secret_key: Option<SecretString>,
    /// `HAWCX_CONFIDENTIAL_CLIENT_ID`: the client pinned to `private_key_jwt`.
    pub confidential_client_id: Option<String>,
    /// `HAWCX_PRIVATE_JWK`: the confidential client's Ed25519 assertion key.
    pub private_jwk: Option<SecretString>,
    /// `SESSION_SECRET`: the HS256 secret for the app's own session tokens.
    pub session_secret: Option<SecretString>,
    /// `FLASK_SECRET_KEY`: Flask's cookie-signing secret.
    pub flask_secret_key: Option<SecretString>,
}

impl Config {
    /// Reads the process environment. Empty values count as unset.
    pub fn from_env() -> Config {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads from any lookup function (tests, `.env` maps, Python dicts).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let secret = |name: &str| get(name).map(SecretString::new);
        Config {
            token_endpoint: get("OAUTH_TOKEN_ENDPOINT"),
            client_id: get("OAUTH_CLIENT_ID"),
            jwks_url: get("JWKS_URL"),
            issuer: get("OAUTH_ISSUER"),
            audience: get("OAUTH_AUDIENCE"),
            public_key: get("OAUTH_PUBLIC_KEY"),
            redirect_uri: get("OAUTH_REDIRECT_URI"),
            sp_ed25519_private_key_pem: secret("SP_ED25519_PRIVATE_KEY_PEM"),
            sp_x25519_private_key_pem: secret("SP_X25519_PRIVATE_KEY_PEM"),
            idp_ed25519_public_key_pem: get("IDP_ED25519_PUBLIC_KEY_PEM"),
            idp_x25519_public_key_pem: get("IDP_X25519_PUBLIC_KEY_PEM"),
            base_url: get("HAWCX_BASE_URL"),
            api_key: secret("HAWCX_API_KEY"),
            config_id: get("HAWCX_CONFIG_ID"),
            secret_key: secret("HAWCX_SECRET_KEY"),
            confidential_client_id: get("HAWCX_CONFIDENTIAL_CLIENT_ID"),
            private_jwk: secret("HAWCX_PRIVATE_JWK"),
            session_secret: secret("SESSION_SECRET"),
            flask_secret_key: secret("FLASK_SECRET_KEY"),
        }
    }

    /// The Hawcx API base URL: `HAWCX_BASE_URL`, else the origin of the issuer
    /// (`OAUTH_ISSUER`), since Hawcx serves the API on the issuer's host. `Ok(None)` when
    /// neither is set; an error when the issuer is not a URL the SDK may call.
    pub fn api_base_url(&self) -> Result<Option<String>, crate::http::UrlError> {
        if let Some(url) = &self.base_url {
            return Ok(Some(url.trim().to_owned()));
        }
        match &self.issuer {
            Some(issuer) => {
                let url = crate::http::check_url(issuer.trim())?;
                Ok(Some(url.origin().ascii_serialization()))
            }
            None => Ok(None),
        }
    }

    /// The expected audience: `OAUTH_AUDIENCE`, else the client id (so `aud` is always checked).
    pub fn expected_audience(&self) -> Option<&str> {
        self.audience.as_deref().or(self.client_id.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_guide_names_and_derives_defaults() {
        let env = dotenv::parse(
            "# comment\nOAUTH_CLIENT_ID=abc\nexport OAUTH_ISSUER=\"https://x.hawcx.com/\"\nSESSION_SECRET='s3cret'\nSP_ED25519_PRIVATE_KEY_PEM=\"-----BEGIN PRIVATE KEY-----\\nAAA\\n-----END PRIVATE KEY-----\"\nEMPTY=\n",
        );
        let cfg = Config::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(cfg.client_id.as_deref(), Some("abc"));
        assert_eq!(cfg.expected_audience(), Some("abc"));
        assert_eq!(
            cfg.api_base_url().unwrap().as_deref(),
            Some("https://x.hawcx.com")
        );
        assert_eq!(cfg.session_secret.as_ref().unwrap().expose(), "s3cret");
        assert!(
            cfg.sp_ed25519_private_key_pem
                .as_ref()
                .unwrap()
                .expose()
                .contains("KEY-----\nAAA\n-----END"),
            "double-quoted \\n decodes to a newline, as in python-dotenv"
        );
        assert!(
            !format!("{cfg:?}").contains("s3cret"),
            "secrets are redacted in Debug"
        );
    }
}
