//! Stage: plan variant. The plan a request runs: the operation's own, or a variant of
//! it (the fields the caller may not see removed, progressive override labels on, its
//! `@skip`/`@include` variables decided), made once per variant and kept with the
//! prepared operation.

use std::sync::Arc;

use apollo_compiler::{ExecutableDocument, Name, response::JsonMap, validation::Valid};
use tessera_codes::ErrorCode;

use super::{Router, authorize::Authorized};
use crate::{
    authorization,
    error::PipelineError,
    planner::{self, Plan, PlanError},
};

/// Which variant: the active override labels, the fields removed and the values of the
/// operation's condition variables (`Prepared::conditions`).
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

/// The plans of an operation, shared by every document whose selected operation
/// normalizes to the same text (see [`normalized`]).
pub(super) struct Planned {
    /// The plan when no variant applies (an operation with condition variables has
    /// none: each combination of their values is a variant).
    pub(super) plan: Result<Plan, Unplannable>,
    /// Plans of this operation without the fields some callers may not see, with
    /// progressive override labels on, and with its `@skip`/`@include` variables set,
    /// by the labels, the set of fields removed and those variables' values.
    pub(super) variants: moka::sync::Cache<VariantKey, VariantPlan>,
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
    /// The plan of a prepared operation (`planned`, its document and condition
    /// variables) for a request with these `labels` on, this
    /// authorization and these `variables`: its own when nothing varies, else the
    /// variant's, planned on first use.
    pub(super) fn plan_variant<'p>(
        &self,
        (planned, document, conditions): (&'p Planned, &Valid<ExecutableDocument>, &[Name]),
        operation_name: Option<&str>,
        authorized: &Authorized,
        labels: Vec<String>,
        variables: &JsonMap,
    ) -> Result<Chosen<'p>, PipelineError> {
        let decided: Vec<bool> = conditions
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
            return match &planned.plan {
                Ok(plan) => Ok(Chosen::Own(plan)),
                Err(err) => Err(err.into()),
            };
        }
        let key = (labels, authorized.removed.clone(), decided);
        let labels = key.0.clone();
        planned
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
                    Ok(document.clone())
                } else {
                    authorization::without(
                        &self.shared.supergraph.api,
                        document,
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
