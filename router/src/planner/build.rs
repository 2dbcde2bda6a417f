//! Building a plan: a depth-first walk of the operation that keeps each field in the
//! subgraph already being fetched when that subgraph can resolve it, and otherwise
//! jumps to another subgraph through an entity key (an `_entities` fetch at the path).
//!
//! By `PLANNER.md`'s sections: this file holds the root fields (rule 1) and the state
//! of the walk ([`Builder`], and [`At`], where the walk is); [`walk`] stays in the
//! subgraph at hand (rule 2); [`jumps`] jumps through keys and plans requirements
//! (rules 3 and 4); [`parent_entity`] makes parent-entity calls (rule 5);
//! [`abstract_types`] splits fields per concrete type and plans interface objects;
//! [`finish`] merges the drafts into fetches.

mod abstract_types;
mod finish;
mod jumps;
mod parent_entity;
mod walk;

use std::collections::BTreeSet;

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::OperationType,
    executable::{Field, Operation, Selection as ExeSelection, SelectionSet},
    response::JsonMap,
    validation::Valid,
};

use super::{
    plan::{PathSeg, Plan},
    selection::Selection,
};
use crate::supergraph::{GraphId, Supergraph};

/// Why an operation cannot be planned (the supergraph gives no way to fetch a field).
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlanError {
    /// No subgraph resolves the field, or none is reachable from where it is asked.
    #[error("cannot plan `{type_name}.{field}`: {reason}")]
    Unreachable {
        /// The parent type.
        type_name: String,
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
}

#[derive(Clone)]
struct Draft {
    subgraph: GraphId,
    path: Vec<PathSeg>,
    entity: Option<Name>,
    /// Representations carry this `__typename` instead of the object's own (an
    /// `@interfaceObject` only knows the interface).
    typename: Option<Name>,
    selection: Selection,
    representation: Selection,
    depends_on: BTreeSet<usize>,
}

#[derive(Clone)]
struct Builder<'a> {
    sg: &'a Supergraph,
    doc: &'a ExecutableDocument,
    drafts: Vec<Draft>,
    /// Entity fetches used while planning, to learn what a `@requires` depends on.
    touched: Vec<usize>,
    /// Entity fetches whose own requirements are being planned: they cannot also
    /// provide them.
    closed: Vec<usize>,
    /// For each composite field being planned, the subgraphs that could resolve the
    /// path down to it (see [`Builder::candidates_below`]).
    candidates: Vec<Vec<GraphId>>,
    /// Fields asked whole of another subgraph because their sub-selection could not be
    /// planned where they were reached ([`Builder::whole_field_elsewhere`]): a last
    /// resort, so a root field's candidate that needs none is preferred.
    detours: usize,
}

/// Where the walk is: the fetch being filled and its subgraph, the type whose
/// selections are planned, the response path to it, and what that subgraph promises
/// there with `@provides`.
#[derive(Clone, Copy)]
struct At<'c> {
    fetch: usize,
    graph: GraphId,
    parent: &'c Name,
    path: &'c [PathSeg],
    provided: Option<&'c SelectionSet>,
}

impl<'c> At<'c> {
    /// The start of a root field in `fetch` on `graph`.
    fn root(fetch: usize, graph: GraphId, root_type: &'c Name) -> Self {
        Self {
            fetch,
            graph,
            parent: root_type,
            path: &[],
            provided: None,
        }
    }
}

/// Plans `operation` of `document` over the supergraph, its `@skip`/`@include`
/// conditions decided by `variables` (coerced; only the variables
/// [`super::fold::condition_variables`] names are read).
pub fn plan(
    sg: &Supergraph,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &JsonMap,
) -> Result<Plan, PlanError> {
    let operation = &super::fold::fold(document, operation, variables);
    let mut b = Builder {
        sg,
        doc: document,
        drafts: Vec::new(),
        touched: Vec::new(),
        closed: Vec::new(),
        candidates: Vec::new(),
        detours: 0,
    };
    let root_type = operation.object_type().clone();
    let mut roots: Vec<usize> = Vec::new();
    let fields = flatten_root(&operation.selection_set);
    // Subgraphs a root field of a query can only be had from whole: a field that
    // several subgraphs cover goes to one of these where it can (one fetch fewer, and
    // the choice does not depend on the order of the fields).
    let pinned: Vec<GraphId> = match operation.operation_type {
        OperationType::Query => fields
            .iter()
            .filter(|f| !f.name.starts_with("__"))
            .filter_map(|f| {
                let resolvers = sg.resolvers(&root_type, &f.name);
                let mut whole = resolvers
                    .iter()
                    .copied()
                    .filter(|g| b.covers_root(&root_type, f, *g));
                match (resolvers.as_slice(), whole.next(), whole.next()) {
                    ([only], _, _) => Some(*only),
                    (_, Some(g), None) => Some(g),
                    _ => None,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    for field in fields {
        if field.name.starts_with("__") {
            continue; // introspection and __typename are answered by the router
        }
        let resolvers = sg.resolvers(&root_type, &field.name);
        let Some(&first) = resolvers.first() else {
            return Err(unreachable(
                &root_type,
                &field.name,
                "no subgraph resolves it",
            ));
        };
        // A shared root field whose selection no single subgraph covers, on a type
        // without keys: ask each subgraph for its part; the results merge.
        let whole = |b: &Builder<'_>, g: GraphId| b.covers_root(&root_type, &field, g);
        let child = field.definition.ty.inner_named_type();
        let keyed = (0..sg.subgraphs.len()).any(|g| sg.keys(child, g).next().is_some());
        if operation.operation_type == OperationType::Query
            && resolvers.len() > 1
            && !sg.is_abstract(child)
            && !resolvers.iter().any(|g| whole(&b, *g))
            && !keyed
        {
            for (graph, part) in b.partition(child, &field.selection_set, &resolvers) {
                let graph = &graph;
                let fetch = match roots
                    .iter()
                    .copied()
                    .find(|r| b.drafts[*r].subgraph == *graph)
                {
                    Some(existing) => existing,
                    None => b.new_root(*graph, None, &mut roots),
                };
                let mut partial = field.clone();
                partial.make_mut().selection_set = part;
                let mut out = std::mem::take(&mut b.drafts[fetch].selection);
                b.plan_field(At::root(fetch, *graph, &root_type), &partial, &mut out)?;
                b.drafts[fetch].selection = out;
            }
            continue;
        }
        let mut preferred = resolvers
            .iter()
            .copied()
            .find(|g| pinned.contains(g) && whole(&b, *g))
            .or_else(|| resolvers.iter().copied().find(|g| whole(&b, *g)));
        if preferred.is_none()
            && resolvers.len() > 1
            && operation.operation_type != OperationType::Mutation
        {
            // No subgraph covers the whole selection: plan it from each candidate on a
            // copy and keep the one that needs the fewest fetches.
            preferred = resolvers
                .iter()
                .copied()
                .filter_map(|g| {
                    let mut trial = b.clone();
                    let mut trial_roots = roots.clone();
                    let fetch = match trial_roots
                        .iter()
                        .copied()
                        .find(|r| trial.drafts[*r].subgraph == g)
                    {
                        Some(existing) => existing,
                        None => trial.new_root(g, None, &mut trial_roots),
                    };
                    let mut out = std::mem::take(&mut trial.drafts[fetch].selection);
                    trial
                        .plan_field(At::root(fetch, g, &root_type), &field, &mut out)
                        .ok()
                        .map(|()| (trial.detours, trial.drafts.len(), g))
                })
                .min()
                .map(|(_, _, g)| g);
        }
        let fetch = match operation.operation_type {
            OperationType::Mutation => match roots.last() {
                Some(&last) if b.drafts[last].subgraph == first => last,
                _ => b.new_root(first, roots.last().copied(), &mut roots),
            },
            _ => match roots.iter().copied().find(|r| {
                let g = b.drafts[*r].subgraph;
                resolvers.contains(&g) && preferred.is_none_or(|p| p == g || whole(&b, g))
            }) {
                Some(existing) => existing,
                None => b.new_root(preferred.unwrap_or(first), None, &mut roots),
            },
        };
        let graph = b.drafts[fetch].subgraph;
        let mut out = std::mem::take(&mut b.drafts[fetch].selection);
        b.plan_field(At::root(fetch, graph, &root_type), &field, &mut out)?;
        b.drafts[fetch].selection = out;
    }
    Ok(b.finish(operation))
}

fn unreachable(type_name: &str, field: &str, reason: &str) -> PlanError {
    PlanError::Unreachable {
        type_name: type_name.to_owned(),
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The root fields, out of the fragments they sit in (the folded operation has no
/// conditions left, and every fragment on the root type applies).
fn flatten_root(set: &SelectionSet) -> Vec<Node<Field>> {
    fn collect(set: &SelectionSet, out: &mut Vec<Node<Field>>) {
        for selection in &set.selections {
            match selection {
                // One response key is one field (CollectFields): its selections are
                // planned together, so that they come from one subgraph.
                ExeSelection::Field(f) => {
                    match out
                        .iter_mut()
                        .find(|o| o.response_key() == f.response_key())
                    {
                        Some(first) => first
                            .make_mut()
                            .selection_set
                            .selections
                            .extend(f.selection_set.selections.iter().cloned()),
                        None => out.push(f.clone()),
                    }
                }
                ExeSelection::InlineFragment(fr) => collect(&fr.selection_set, out),
                // Inlined by the fold.
                ExeSelection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    collect(set, &mut out);
    out
}

impl Builder<'_> {
    /// Whether `graph` resolves the root field `field` with all of its selection
    /// (what it provides there counting as resolvable).
    fn covers_root(&self, root_type: &Name, field: &Field, graph: GraphId) -> bool {
        let provides = self
            .sg
            .field_join(root_type, &field.name, graph)
            .and_then(|j| j.provides.as_ref());
        field.selection_set.selections.is_empty()
            || self.selectable_with(
                graph,
                field.definition.ty.inner_named_type(),
                &field.selection_set,
                provides,
            )
    }

    fn new_root(&mut self, graph: GraphId, after: Option<usize>, roots: &mut Vec<usize>) -> usize {
        let id = self.drafts.len();
        self.drafts.push(Draft {
            subgraph: graph,
            path: Vec::new(),
            entity: None,
            typename: None,
            selection: Selection::default(),
            representation: Selection::default(),
            depends_on: after.into_iter().collect(),
        });
        roots.push(id);
        id
    }

    /// `set` (on the keyless `parent`) split among `resolvers` at its first level: each
    /// field goes to the first subgraph that resolves it with its whole sub-selection,
    /// else to the first that resolves it at all (what it cannot reach below is then
    /// planned through keys from there, like any field), and `__typename` and fragments
    /// to the first subgraph. Fragments are read through: on an object type every
    /// fragment left by the fold applies. Parts in `resolvers` order, empty ones left out.
    fn partition(
        &self,
        parent: &Name,
        set: &SelectionSet,
        resolvers: &[GraphId],
    ) -> Vec<(GraphId, SelectionSet)> {
        fn fields(set: &SelectionSet, out: &mut Vec<ExeSelection>) {
            for selection in &set.selections {
                match selection {
                    ExeSelection::Field(_) => out.push(selection.clone()),
                    ExeSelection::InlineFragment(fr) => fields(&fr.selection_set, out),
                    ExeSelection::FragmentSpread(_) => {} // inlined by the fold
                }
            }
        }
        let mut flat = Vec::new();
        fields(set, &mut flat);
        let mut parts: Vec<SelectionSet> = resolvers
            .iter()
            .map(|_| SelectionSet::new(set.ty.clone()))
            .collect();
        for selection in &flat {
            let at = match selection {
                ExeSelection::Field(f) if !f.name.starts_with("__") => {
                    let single = SelectionSet {
                        ty: set.ty.clone(),
                        selections: vec![selection.clone()],
                    };
                    resolvers
                        .iter()
                        .position(|&g| self.selectable(g, parent, &single))
                        .or_else(|| {
                            resolvers
                                .iter()
                                .position(|&g| self.sg.resolves(parent, &f.name, g))
                        })
                }
                _ => None,
            }
            .unwrap_or(0);
            parts[at].selections.push(selection.clone());
        }
        resolvers
            .iter()
            .copied()
            .zip(parts)
            .filter(|(_, part)| !part.selections.is_empty())
            .collect()
    }
}
