//! Stage: authorization. What the operation selects that the caller may not see
//! (`@authenticated`, `@requiresScopes`, `@policy`): removed from the plan and answered
//! `null` with an error each, or, when the router is told to, the whole request refused.

use apollo_compiler::{ExecutableDocument, Name, executable::Operation};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::Router;
use crate::{
    authorization::{self, Denied},
    error::{GraphqlError, PipelineError},
};

/// What the caller may not see of one operation.
pub(super) struct Authorized {
    /// Each field denied, where.
    pub(super) denied: Vec<Denied>,
    /// Their coordinates, sorted, once each (a plan variant's key).
    pub(super) removed: Vec<(Name, Name)>,
}

impl Authorized {
    /// The client's errors, one per field denied.
    pub(super) fn errors(&self) -> Vec<GraphqlError> {
        self.denied.iter().map(authorization::error).collect()
    }
}

impl Router {
    /// What `operation` selects that `identity` may not see, or the refusal when the
    /// router refuses such operations whole.
    pub(super) fn authorize(
        &self,
        document: &ExecutableDocument,
        operation: &Operation,
        identity: &Identity,
    ) -> Result<Authorized, PipelineError> {
        let denied = self
            .shared
            .authorization
            .denied(document, operation, identity);
        if let Some(first) = denied.first()
            && self.shared.reject_unauthorized
        {
            return Err(PipelineError::client(
                ErrorCode::UnauthorizedFieldOrType,
                format!(
                    "the operation selects what the caller may not see: `{}.{}` (at {}) needs {}",
                    first.coordinate.0,
                    first.coordinate.1,
                    first.path.join("."),
                    first.needs
                ),
            ));
        }
        let mut removed: Vec<(Name, Name)> = denied.iter().map(|d| d.coordinate.clone()).collect();
        removed.sort();
        removed.dedup();
        Ok(Authorized { denied, removed })
    }
}
