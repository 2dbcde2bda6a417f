//! Stage: execute. The chosen plan run against the subgraphs with the router's signed
//! identity token, `_entities` answers from and into the entity cache (queries only),
//! and what the subgraphs said they changed dropped from every cache.

use apollo_compiler::{ast::OperationType, executable::Operation, response::JsonMap};
use tessera_identity::Identity;

use super::Router;
use crate::{
    executor::{self, EntityCache, Outcome, fetch::Bodies, headers::Forwarded},
    planner::Plan,
};

impl Router {
    /// `plan` run for `identity`; the data tree borrows from the answers `bodies` keeps.
    pub(super) async fn execute_plan<'b>(
        &self,
        operation: &Operation,
        plan: &Plan,
        variables: &JsonMap,
        (identity, forwarded): (&Identity, &Forwarded),
        bodies: &'b Bodies,
    ) -> Outcome<'b> {
        let token = self.shared.signer.as_ref().map(|s| s.token(identity));
        let headers = forwarded.key_text();
        // Not for mutations: their entity fetches must see what the mutation changed
        // (its invalidations apply once the plan has run).
        let entity_cache = self
            .shared
            .caches
            .entities
            .as_deref()
            .filter(|_| operation.operation_type == OperationType::Query)
            .map(|store| EntityCache {
                caches: &self.shared.caches,
                store,
                schema: &self.shared.schema_hash,
                identity,
                headers: &headers,
            });
        let outcome = executor::execute(
            &self.shared.supergraph,
            &self.clients,
            plan,
            variables,
            (token.as_ref(), forwarded),
            entity_cache.as_ref(),
            bodies,
        )
        .await;
        if !outcome.invalidations.is_empty() {
            self.invalidate(&outcome.invalidations).await;
        }
        outcome
    }
}
