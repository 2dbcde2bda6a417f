//! Who is asking, as resolvers see it.
//!
//! The router authenticates the client and tells the subgraph who the caller is. Until
//! the router-signed identity token lands (issue #6), the identity travels as the
//! [`VIEWER_HEADER`] header, which only the router may set: subgraph ports are internal
//! and never exposed. #6 replaces the header with a token the kit verifies here, in one
//! place, without touching any resolver.

use axum::http::HeaderMap;
use uuid::Uuid;

use crate::error::ServiceError;

/// The header carrying the caller's user id from the router to a subgraph.
pub const VIEWER_HEADER: &str = "x-tessera-user-id";

/// The caller of the current request; anonymous when no identity came with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewer {
    user_id: Option<Uuid>,
}

impl Viewer {
    /// An anonymous caller.
    pub const ANONYMOUS: Viewer = Viewer { user_id: None };

    /// A signed-in caller.
    pub fn user(user_id: Uuid) -> Self {
        Self {
            user_id: Some(user_id),
        }
    }

    /// The caller's id, if signed in.
    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    /// The caller's id, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<Uuid, ServiceError> {
        self.user_id.ok_or(ServiceError::Unauthenticated)
    }

    /// Reads the identity the router forwarded. A header that is present but malformed
    /// is refused rather than treated as anonymous: it means a broken or forged caller.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ServiceError> {
        let Some(value) = headers.get(VIEWER_HEADER) else {
            return Ok(Self::ANONYMOUS);
        };
        value
            .to_str()
            .ok()
            .and_then(|v| Uuid::parse_str(v.trim()).ok())
            .map(Self::user)
            .ok_or(ServiceError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(Viewer::from_headers(&headers).ok(), Some(Viewer::ANONYMOUS));
        let id = Uuid::now_v7();
        headers.insert(VIEWER_HEADER, id.to_string().parse().expect("valid header"));
        assert_eq!(Viewer::from_headers(&headers).ok(), Some(Viewer::user(id)));
        headers.insert(VIEWER_HEADER, "not-a-uuid".parse().expect("valid header"));
        assert!(matches!(
            Viewer::from_headers(&headers),
            Err(ServiceError::Unauthenticated)
        ));
    }
}
