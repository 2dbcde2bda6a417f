//! Stage: shape and respond. The client's response from the data tree: written
//! straight as JSON text by the projector when no cache keeps it and nothing needs an
//! error, else shaped (aliases, fragments, null propagation, introspection) into a
//! response, then kept in the response cache when its policy allows.

use std::sync::atomic::Ordering;

use apollo_compiler::{
    ExecutableDocument, executable::Operation, response::JsonMap, validation::Valid,
};
use bytes::Bytes;
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::{
    Router, RouterResponse,
    prepare::{BODY_SIZE_HINT_MAX, Prepared},
    request::{Body, executed_body_start},
};
use crate::{
    cache::{CacheKeys, CachePolicy},
    error::{GraphqlError, PipelineError, capped},
    executor::{Outcome, project::project_text, shape::shape},
};

/// What a request ran, and what came of it.
pub(super) struct Executed<'r, 'b> {
    pub(super) prepared: &'r Prepared,
    pub(super) operation: &'r Operation,
    pub(super) variables: &'r Valid<JsonMap>,
    pub(super) identity: &'r Identity,
    /// The data tree and the subgraphs' errors.
    pub(super) outcome: Outcome<'b>,
    /// The router's errors from before execution (fields denied).
    pub(super) errors: Vec<GraphqlError>,
    /// Where the response cache may keep the answer.
    pub(super) cache_keys: Option<CacheKeys>,
    /// When the request started (a store is dropped if the cache was invalidated
    /// since).
    pub(super) started: std::time::Instant,
}

impl Router {
    /// The client's response to an executed request.
    pub(super) async fn respond(
        &self,
        executed: Executed<'_, '_>,
    ) -> Result<RouterResponse, PipelineError> {
        let Executed {
            prepared,
            operation,
            variables,
            identity,
            outcome,
            mut errors,
            cache_keys,
            started,
        } = executed;
        let document: &Valid<ExecutableDocument> = &prepared.document;
        errors.extend(outcome.errors);
        let errors = capped(errors);
        // A response no cache keeps is written straight from the data tree when the
        // projector can shape it (no shaping error): no response tree is built.
        let clean_policy = if errors.is_empty() {
            prepared.policy.restrict(outcome.policy)
        } else {
            CachePolicy::UNCACHEABLE
        };
        let stored = self.shared.caches.responses.is_some()
            && clean_policy.cacheable_for().is_some()
            && cache_keys
                .as_ref()
                .is_some_and(|k| k.for_policy(&clean_policy).is_some());
        if !stored
            && let Some(mut body) = project_text(
                &self.shared.supergraph.api,
                document,
                operation,
                variables,
                &outcome.data,
                executed_body_start(&errors, prepared.body_size.load(Ordering::Relaxed)),
            )
        {
            body.push(b'}');
            // The next answer to this operation starts with room for this one's size, up
            // to a bound: one huge answer must not make every later one reserve as much.
            prepared
                .body_size
                .store(body.len().min(BODY_SIZE_HINT_MAX), Ordering::Relaxed);
            return Ok(RouterResponse::encoded(
                Bytes::from(body),
                (clean_policy, identity.subject.is_none()),
            ));
        }
        // Introspection reads the API schema as it is (see `Supergraph::shaping`).
        let introspects = prepared.measured.as_ref().is_some_and(|m| m.introspection);
        let shaping = self
            .shared
            .supergraph
            .shaping
            .as_ref()
            .filter(|_| !introspects);
        let shaped = shape(
            (&self.shared.supergraph.api, shaping),
            document,
            operation,
            variables,
            &outcome.data,
        )
        .map_err(|err| {
            PipelineError::compiler(
                ErrorCode::BadRequest,
                vec![err.to_graphql_error(&document.sources)],
            )
        })?;
        let response = RouterResponse::executed(shaped, errors);
        let policy = match &response.body {
            Body::Json(body) if body.contains_key("errors") => CachePolicy::UNCACHEABLE,
            _ => prepared.policy.restrict(outcome.policy),
        };
        let target = cache_keys.as_ref().and_then(|k| k.for_policy(&policy));
        Ok(self
            .kept(
                response,
                policy,
                target,
                identity,
                (document, operation),
                started,
            )
            .await)
    }
}
