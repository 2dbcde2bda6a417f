//! Stage: plan variant. The plan a request runs: the operation's own, or a variant of
//! it (the fields the caller may not see removed, progressive override labels on, its
//! `@skip`/`@include` variables decided), made once per variant and kept with the
//! prepared operation.

use std::sync::Arc;

use apollo_compiler::{Name, response::JsonMap};
use tessera_codes::ErrorCode;

use super::{Router, authorize::Authorized, prepare::Prepared};
use crate::{
    authorization,
    error::PipelineError,
    planner::{self, Plan, PlanError},
};

/// Which variant: the active override labels, the fields removed and the values of the
/// operation's condition variables ([`Prepared::conditions`]).
pub(super) type VariantKey = (Vec<String>, Vec<(Name, Name)>, Vec<bool>);

/// A variant's plan, or why it could not be made.
pub(super) type VariantPlan = Result<Arc<Plan>, Unplannable>;

/// Why an operation (or a variant of it) could not be planned: the planner's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unplannable(String);

impl From<PlanError> for Unplannable {
    fn from(err: PlanError) -> Self {
        Self(err.to_string())
    }
}

impl From<&Unplannable> for PipelineError {
    fn from(err: &Unplannable) -> Self {
        Self::Internal {
            code: ErrorCode::QueryPlanningFailed,
            message: err.0.clone(),
            detail: "query planning failed".to_owned(),
        }
    }
}

/// The plan chosen for a request.
pub(super) enum Chosen<'p> {
    /// The operation's own plan.
    Own(&'p Plan),
    /// A variant's.
    Variant(Arc<Plan>),
}

impl Chosen<'_> {
    pub(super) fn plan(&self) -> &Plan {
        match self {
            Self::Own(plan) => plan,
            Self::Variant(plan) => plan,
        }
    }
}

impl Router {
    /// The plan of `prepared`'s operation for a request with these `labels` on, this
    /// authorization and these `variables`: its own when nothing varies, else the
    /// variant's, planned on first use.
    pub(super) fn plan_variant<'p>(
        &self,
        prepared: &'p Prepared,
        operation_name: Option<&str>,
        authorized: &Authorized,
        labels: Vec<String>,
        variables: &JsonMap,
    ) -> Result<Chosen<'p>, PipelineError> {
        let decided: Vec<bool> = prepared
            .conditions
            .iter()
            .map(|name| {
                matches!(
                    variables.get(name.as_str()),
                    Some(apollo_compiler::response::JsonValue::Bool(true))
                )
            })
            .collect();
        let labelled = !self.shared.supergraph.override_labels().is_empty();
        if authorized.denied.is_empty() && !labelled && decided.is_empty() {
            return match &prepared.planned.plan {
                Ok(plan) => Ok(Chosen::Own(plan)),
                Err(err) => Err(err.into()),
            };
        }
        let key = (labels, authorized.removed.clone(), decided);
        let labels = key.0.clone();
        prepared
            .planned
            .variants
            .get_with(key, || {
                let supergraph = if labelled {
                    self.shared.label_variants.get_with(labels.clone(), || {
                        Arc::new(self.shared.supergraph.with_active_labels(&labels))
                    })
                } else {
                    self.shared.supergraph.clone()
                };
                let document = if authorized.denied.is_empty() {
                    Ok(prepared.document.clone())
                } else {
                    authorization::without(
                        &self.shared.supergraph.api,
                        &prepared.document,
                        operation_name,
                        &authorized.denied,
                    )
                }
                .map_err(Unplannable)?;
                let operation = document
                    .operations
                    .get(operation_name)
                    .map_err(|e| Unplannable(e.message().to_string()))?;
                Ok(Arc::new(planner::plan(
                    &supergraph,
                    &document,
                    operation,
                    variables,
                )?))
            })
            .map(Chosen::Variant)
            .map_err(|err| (&err).into())
    }
}
