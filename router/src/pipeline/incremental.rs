//! `@defer` for a client that takes incremental delivery (`multipart/mixed`,
//! `deferSpec=20220824`): the operation without its active deferred fragments and the
//! full operation run side by side; the first answers at once (`hasNext: true`), the
//! other's deferred parts follow (see [`super::defer`]).

use std::sync::Arc;

use apollo_compiler::{
    ast::OperationType,
    response::{JsonMap, JsonValue},
};
use bytes::Bytes;
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::{GraphqlRequest, Router, RouterResponse, defer, prepare::DocKey, variables};
use crate::{error::GraphqlError, executor::headers::Forwarded};

/// What [`Router::execute_incremental`] answers.
pub enum Incremental {
    /// The whole answer at once.
    Whole(RouterResponse),
    /// An operation with `@defer`: the answer without the deferred fragments
    /// (`hasNext: true`), then the payload with them (`hasNext: false`, `incremental`).
    Parts {
        /// The first payload.
        first: Bytes,
        /// The last payload, when the full operation is answered.
        rest: std::pin::Pin<Box<dyn Future<Output = Bytes> + Send>>,
    },
}

impl Router {
    /// [`Router::execute`] for a client that takes incremental delivery (`multipart/mixed`,
    /// `deferSpec=20220824`): an operation with active `@defer`s is answered in two
    /// parts (see [`defer`]), any other one whole.
    pub async fn execute_incremental(
        self: &Arc<Self>,
        mut request: GraphqlRequest,
        allow_mutations: bool,
        (identity, forwarded): (&Identity, &Forwarded),
    ) -> Incremental {
        let prepared = match self.resolve(&mut request, identity).await {
            Ok(p) => p,
            Err(err) => return Incremental::Whole(err.into()),
        };
        let name = request.operation_name;
        let (Some(deferral), Ok(operation)) = (
            prepared.deferral.clone(),
            prepared.document.operations.get(name.as_deref()),
        ) else {
            return Incremental::Whole(
                self.run(
                    &prepared,
                    name,
                    request.variables,
                    allow_mutations,
                    (identity, forwarded),
                )
                .await,
            );
        };
        let derived =
            |text: &str| self.prepared((DocKey::Text(text.to_owned()), name.clone()), None);
        let full = match derived(&deferral.full) {
            Ok(full) => full,
            Err(err) => return Incremental::Whole(err.into()),
        };
        // Checked against the operation as written (see `execute`), defaults applied.
        let variables = match variables::coerce(
            &self.shared.supergraph.api,
            &prepared.document,
            operation,
            request.variables.as_ref().unwrap_or(&JsonMap::new()),
        ) {
            Ok(variables) => variables,
            Err(err) => return Incremental::Whole(err.into()),
        };
        let active = deferral.active(&variables);
        // A mutation runs once: its deferred fragments come with the rest.
        if active.is_empty() || operation.operation_type != OperationType::Query {
            return Incremental::Whole(
                self.run(
                    &full,
                    name,
                    request.variables,
                    allow_mutations,
                    (identity, forwarded),
                )
                .await,
            );
        }
        let primary = match derived(&deferral.primary(
            &prepared.document,
            operation,
            &active,
            &self.shared.supergraph.api,
        )) {
            Ok(primary) => primary,
            Err(err) => return Incremental::Whole(err.into()),
        };
        // The full operation runs beside the primary one, not after it.
        let rest = {
            let (router, name, variables, identity, forwarded) = (
                Arc::clone(self),
                name.clone(),
                request.variables.clone(),
                identity.clone(),
                forwarded.clone(),
            );
            tokio::spawn(async move {
                router
                    .run(
                        &full,
                        name,
                        variables,
                        allow_mutations,
                        (&identity, &forwarded),
                    )
                    .await
            })
        };
        let first = self
            .run(
                &primary,
                name,
                request.variables,
                allow_mutations,
                (identity, forwarded),
            )
            .await;
        if first.request_error.is_some() {
            rest.abort();
            return Incremental::Whole(first);
        }
        let mut first = match first.to_json() {
            JsonValue::Object(body) => body,
            _ => JsonMap::new(),
        };
        if let Some(data) = first.get_mut("data") {
            defer::strip_stand_ins(data);
        }
        first.insert("hasNext", JsonValue::Bool(true));
        let seen: Vec<JsonValue> = match first.get("errors") {
            Some(JsonValue::Array(errors)) => errors.clone(),
            _ => Vec::new(),
        };
        let rest = async move {
            let mut payload = JsonMap::new();
            payload.insert("hasNext", JsonValue::Bool(false));
            match rest.await {
                Ok(full) => {
                    let mut body = match full.to_json() {
                        JsonValue::Object(body) => body,
                        _ => JsonMap::new(),
                    };
                    let errors = match body.remove("errors") {
                        Some(JsonValue::Array(errors)) => {
                            errors.into_iter().filter(|e| !seen.contains(e)).collect()
                        }
                        _ => Vec::new(),
                    };
                    let data = body.remove("data").unwrap_or(JsonValue::Null);
                    let (items, left) = deferral.items(&active, &data, errors);
                    if !items.is_empty() {
                        payload.insert(
                            "incremental",
                            JsonValue::Array(items.into_iter().map(JsonValue::Object).collect()),
                        );
                    }
                    if !left.is_empty() {
                        payload.insert("errors", JsonValue::Array(left));
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "the deferred part of an operation failed");
                    payload.insert(
                        "errors",
                        JsonValue::Array(vec![
                            GraphqlError::new(
                                ErrorCode::InternalServerError,
                                "the deferred part of the operation could not be completed",
                            )
                            .to_json(),
                        ]),
                    );
                }
            }
            Bytes::from(serde_json::to_vec(&payload).unwrap_or_default())
        };
        Incremental::Parts {
            first: Bytes::from(serde_json::to_vec(&first).unwrap_or_default()),
            rest: Box::pin(rest),
        }
    }
}
