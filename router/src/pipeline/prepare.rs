//! Stage: prepare. A document parsed, validated, measured against the limits, costed
//! when its cost cannot change, and planned, once: prepared operations are cached by
//! text (or hash), plans by the operation's normalized text.

use std::{collections::BTreeMap, sync::Arc};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    executable::{Fragment, Operation, Selection, SelectionSet},
    parser::Parser,
    response::{GraphQLError, JsonMap},
    validation::Valid,
};
use tessera_codes::ErrorCode;

use super::{
    Router, RouterResponse, defer,
    variant::{Planned, Unplannable},
};
use crate::{
    cache::CachePolicy,
    error::PipelineError,
    limits::{self, Measured},
    persisted::{self, Sha256},
    planner::{self, Plan},
};

/// A parsed, validated and planned operation.
pub(super) struct Prepared {
    /// The SHA-256 of the document's text.
    pub(super) hash: Sha256,
    pub(super) document: Valid<ExecutableDocument>,
    /// The selected operation's cache policy from the schema's hints.
    pub(super) policy: CachePolicy,
    pub(super) planned: Arc<Planned>,
    /// The selected operation's size (none when the name matches no operation).
    pub(super) measured: Option<Measured>,
    /// The estimated cost when it is the same for every request: the operation has no
    /// variables (and a cost limit is set).
    pub(super) cost: Option<f64>,
    /// The size of the last response body written for it (at most
    /// [`BODY_SIZE_HINT_MAX`]), to size the next one's.
    pub(super) body_size: std::sync::atomic::AtomicUsize,
    /// The selected operation's `@defer`s: it runs as the operations derived from it
    /// (and is not planned itself).
    pub(super) deferral: Option<Arc<defer::Deferral>>,
    /// The variables the selected operation's `@skip`/`@include` read: the operation
    /// is planned per combination of their values (`planner::fold`).
    pub(super) conditions: Vec<Name>,
}

/// The most room a response body starts with (see `Prepared::body_size`); larger ones
/// grow as they are written.
pub(super) const BODY_SIZE_HINT_MAX: usize = 1 << 20;

/// How a prepared operation is found again: by its text, or by the SHA-256 of its
/// text when a persisted-query feature hashed it anyway (then a request carrying only
/// the hash skips parsing, validation and planning).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum DocKey {
    Text(String),
    Sha256(Sha256),
}

impl Router {
    /// Parses, validates and plans `query` unless the cache holds it already (warm-up
    /// at start, and the benchmarks, use this). Errors are the client's answer.
    pub fn prepare_cached(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<(), RouterResponse> {
        let key = (
            DocKey::Text(query.to_owned()),
            operation_name.map(str::to_owned),
        );
        self.prepared(key, None)
            .map(|_| ())
            .map_err(RouterResponse::from)
    }

    /// The cached operation of `key`, else `text` (the key's own text when `None`)
    /// prepared and cached.
    pub(super) fn prepared(
        &self,
        key: (DocKey, Option<String>),
        text: Option<&str>,
    ) -> Result<Arc<Prepared>, PipelineError> {
        if let Some(p) = self.shared.prepared.get(&key) {
            return Ok(p);
        }
        let text = match (&key.0, text) {
            (_, Some(text)) => text,
            (DocKey::Text(text), None) => text.as_str(),
            (DocKey::Sha256(_), None) => "",
        };
        let p = Arc::new(self.prepare(text, key.1.as_deref())?);
        self.shared.prepared.insert(key, p.clone());
        Ok(p)
    }

    fn prepare(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Prepared, PipelineError> {
        metrics::counter!("tessera_operations_prepared_total").increment(1);
        self.shared
            .prepared_total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.shared.limits.check_tokens(query)?;
        let ast = Parser::new()
            .parse_ast(query, "query.graphql")
            .map_err(|with| {
                let errors: Vec<GraphQLError> = with.errors.iter().map(|d| d.to_json()).collect();
                PipelineError::compiler(ErrorCode::GraphqlParseFailed, errors)
            })?;
        let document = ast
            .to_executable_validate(&self.shared.supergraph.api)
            .map_err(|with| {
                let errors: Vec<GraphQLError> = with.errors.iter().map(|d| d.to_json()).collect();
                PipelineError::compiler(ErrorCode::GraphqlValidationFailed, errors)
            })?;
        let planned = |plan| {
            Arc::new(Planned {
                plan,
                variants: moka::sync::Cache::new(64),
            })
        };
        let cost = document
            .operations
            .get(operation_name)
            .ok()
            .filter(|operation| {
                self.shared.limits.max_cost.is_some() && operation.variables.is_empty()
            })
            .map(|operation| {
                limits::estimate(
                    &self.shared.limits,
                    &self.shared.supergraph.api,
                    &document,
                    operation,
                    &JsonMap::new(),
                )
            });
        let deferral = document
            .operations
            .get(operation_name)
            .ok()
            .and_then(|operation| defer::Deferral::of(&document, operation))
            .map(Arc::new);
        let conditions = document
            .operations
            .get(operation_name)
            .map(|operation| planner::fold::condition_variables(&document, operation))
            .unwrap_or_default();
        let (planned, measured, policy) = match document.operations.get(operation_name) {
            // Run as the operations derived from it, each prepared on its own.
            Ok(operation) if deferral.is_some() => (
                planned(Ok(Plan::default())),
                Some(limits::measure(&document, operation)),
                CachePolicy::UNCACHEABLE,
            ),
            Ok(operation) => (
                self.shared.plans.get_with(
                    persisted::sha256(&normalized(&document, operation)),
                    || {
                        metrics::counter!("tessera_operations_planned_total").increment(1);
                        self.shared
                            .planned_total
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        // With condition variables, each combination of their
                        // values is planned as a variant, on first use.
                        planned(if conditions.is_empty() {
                            planner::plan(
                                &self.shared.supergraph,
                                &document,
                                operation,
                                &JsonMap::new(),
                            )
                            .map_err(Unplannable::from)
                        } else {
                            Ok(Plan::default())
                        })
                    },
                ),
                Some(limits::measure(&document, operation)),
                self.shared.caches.hints.of_operation(
                    &self.shared.supergraph.api,
                    &document,
                    operation,
                ),
            ),
            // An unknown name is answered per request; nothing to plan.
            Err(_) => (planned(Ok(Plan::default())), None, CachePolicy::UNCACHEABLE),
        };
        Ok(Prepared {
            hash: persisted::sha256(query),
            policy,
            document,
            planned,
            measured,
            cost,
            body_size: std::sync::atomic::AtomicUsize::new(0),
            deferral,
            conditions,
        })
    }
}

/// The operation as the planner sees it, whatever the document's layout: `operation`
/// and the fragments it uses (by name), printed on one line each without comments.
/// Other operations and unused fragments of the document are left out.
pub(super) fn normalized(document: &ExecutableDocument, operation: &Operation) -> String {
    fn spreads<'a>(
        document: &'a ExecutableDocument,
        selections: &'a SelectionSet,
        used: &mut BTreeMap<&'a Name, &'a Node<Fragment>>,
    ) {
        for selection in &selections.selections {
            match selection {
                Selection::Field(field) => spreads(document, &field.selection_set, used),
                Selection::InlineFragment(inline) => {
                    spreads(document, &inline.selection_set, used);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                        && used.insert(&spread.fragment_name, fragment).is_none()
                    {
                        spreads(document, &fragment.selection_set, used);
                    }
                }
            }
        }
    }
    let mut used = BTreeMap::new();
    spreads(document, &operation.selection_set, &mut used);
    let mut text = operation.serialize().no_indent().to_string();
    for fragment in used.values() {
        text.push('\n');
        text.push_str(&fragment.serialize().no_indent().to_string());
    }
    text
}
