//! Stage: the operation. Which operation of the prepared document runs, whether this
//! transport may carry it, and whether it is within the limits for this caller (its
//! size, measured at prepare time) and, once its variables are known, its cost.

use apollo_compiler::{Node, ast::OperationType, executable::Operation, response::JsonMap};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::{Router, prepare::Prepared};
use crate::error::PipelineError;

impl Router {
    /// The operation named `name` (the only one when none), if `identity` may run it
    /// here: mutations not over GET (`allow_mutations` false), subscriptions not over
    /// this transport, nothing beyond the size limits.
    pub(super) fn operation<'p>(
        &self,
        prepared: &'p Prepared,
        name: Option<&str>,
        allow_mutations: bool,
        identity: &Identity,
    ) -> Result<&'p Node<Operation>, PipelineError> {
        let Ok(operation) = prepared.document.operations.get(name) else {
            return Err(PipelineError::client(
                ErrorCode::BadRequest,
                match name {
                    Some(name) => format!("unknown operation named `{name}`"),
                    None => "the document has several operations: say which with `operationName`"
                        .to_owned(),
                },
            ));
        };
        if !allow_mutations && operation.operation_type != OperationType::Query {
            return Err(PipelineError::client(
                ErrorCode::MethodNotAllowed,
                "only queries may be sent with GET; use POST for mutations",
            ));
        }
        if operation.operation_type == OperationType::Subscription {
            return Err(PipelineError::client(
                ErrorCode::BadRequest,
                "subscriptions are not supported over this transport",
            ));
        }
        if let Some(measured) = &prepared.measured {
            self.shared.limits.check(measured, identity)?;
        }
        Ok(operation)
    }

    /// Whether `operation` with these `variables` is within the cost limit (the
    /// estimate made at prepare time when it cannot change).
    pub(super) fn within_cost(
        &self,
        prepared: &Prepared,
        operation: &Operation,
        variables: &JsonMap,
    ) -> Result<(), PipelineError> {
        Ok(match prepared.cost {
            Some(cost) => self.shared.limits.check_estimate(cost),
            None => self.shared.limits.check_cost(
                &self.shared.supergraph.api,
                &prepared.document,
                operation,
                variables,
            ),
        }?)
    }
}
