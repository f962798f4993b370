//! Entry points for the fuzz targets in `fuzz/` (repository root). **Not API**: hidden from
//! the docs, exempt from semver, and may change or disappear in any release.

use std::sync::Arc;

use crate::{Config, IdpState, StartError};

/// The emulator state for `config`, served as `issuer`, without binding a socket (drive
/// [`crate::app`] with `tower::ServiceExt::oneshot`). Same as [`crate::start`] builds.
pub fn state(config: Config, issuer: &str) -> Result<Arc<IdpState>, StartError> {
    config.check()?;
    Ok(Arc::new(IdpState::new(config, issuer.to_owned())?))
}
