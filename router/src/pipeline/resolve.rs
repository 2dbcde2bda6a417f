//! Stage: persisted-document resolution. The request's document by the persisted-query
//! rules (automatic persisted queries, trusted documents), then found among the
//! prepared operations or prepared (see [`super::prepare`]).

use std::sync::Arc;

use tessera_identity::Identity;

use super::{
    GraphqlRequest, Router,
    prepare::{DocKey, Prepared},
};
use crate::{
    error::PipelineError,
    persisted::{self, Resolved},
};

impl Router {
    /// The request's document, prepared; its text is taken out of `request`. A request
    /// carrying only a hash known from before skips parsing, validation and planning.
    pub(super) async fn resolve(
        &self,
        request: &mut GraphqlRequest,
        identity: &Identity,
    ) -> Result<Arc<Prepared>, PipelineError> {
        let resolved = self
            .shared
            .persisted
            .resolve(
                request.query.take(),
                request.extensions.as_ref(),
                request.document_id.as_deref(),
                identity,
            )
            .inspect_err(|refused| {
                if refused.code == tessera_codes::ErrorCode::PersistedQueryNotInList {
                    self.shared.audit.untrusted_refused(
                        identity.subject.as_deref(),
                        request.operation_name.as_deref(),
                        request.document_id.as_deref(),
                    );
                }
            })?;
        let operation_name = request.operation_name.clone();
        match resolved {
            Resolved::Text(text) => self.prepared((DocKey::Text(text), operation_name), None),
            Resolved::Known { hash, text } => {
                self.prepared((DocKey::Sha256(hash), operation_name), Some(&text))
            }
            Resolved::Apq(hash) => {
                let key = (DocKey::Sha256(hash), operation_name);
                if let Some(p) = self.shared.prepared.get(&key) {
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "hit")
                        .increment(1);
                    return Ok(p);
                }
                let store = self
                    .shared
                    .persisted
                    .apq()
                    .ok_or_else(persisted::not_found)?;
                let Some(text) = store.get(&hash).await else {
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_found")
                        .increment(1);
                    return Err(persisted::not_found().into());
                };
                metrics::counter!("tessera_persisted_queries_total", "outcome" => "hit")
                    .increment(1);
                self.prepared(key, Some(&text))
            }
            Resolved::Register { hash, text } => {
                let prepared =
                    self.prepared((DocKey::Sha256(hash), operation_name), Some(&text))?;
                if let Some(store) = self.shared.persisted.apq() {
                    store.put(hash, text).await;
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "registered")
                        .increment(1);
                }
                Ok(prepared)
            }
        }
    }
}
