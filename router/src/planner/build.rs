//! Building a plan: a depth-first walk of the operation that keeps each field in the
//! subgraph already being fetched when that subgraph can resolve it, and otherwise
//! jumps to another subgraph through an entity key (an `_entities` fetch at the path).

use std::collections::BTreeSet;

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{DirectiveList, OperationType},
    executable::{Field, Operation, Selection as ExeSelection, SelectionSet},
    response::JsonMap,
    validation::Valid,
};

use super::{
    plan::{EntityCall, Fetch, PathSeg, Plan},
    selection::{FieldItem, Selection},
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
                b.plan_field(fetch, *graph, &root_type, &partial, &mut out, &[], None)?;
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
                        .plan_field(fetch, g, &root_type, &field, &mut out, &[], None)
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
        b.plan_field(fetch, graph, &root_type, &field, &mut out, &[], None)?;
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

fn field_item(field: &Field) -> FieldItem {
    FieldItem {
        alias: field.alias.clone(),
        name: field.name.clone(),
        arguments: field.arguments.clone(),
        directives: field.directives.clone(),
        selection: None,
        output_type: None,
    }
}

/// The path to a field's value, with one `@` per list level of its type.
fn child_path(path: &[PathSeg], field: &Field) -> Vec<PathSeg> {
    let mut p = path.to_vec();
    p.push(PathSeg::Key(field.response_key().clone()));
    let mut ty = &field.definition.ty;
    while let apollo_compiler::ast::Type::List(inner)
    | apollo_compiler::ast::Type::NonNullList(inner) = ty
    {
        p.push(PathSeg::List);
        ty = inner;
    }
    p
}

/// The fields `provided` promises on an object of `type_name`: its own fields and those
/// of inline fragments whose condition is that type.
fn provided_fields<'s>(
    provided: Option<&'s SelectionSet>,
    type_name: &'s str,
) -> impl Iterator<Item = &'s Node<Field>> {
    provided.into_iter().flat_map(move |set| {
        set.selections
            .iter()
            .flat_map(move |s| -> Box<dyn Iterator<Item = &'s Node<Field>> + 's> {
                match s {
                    ExeSelection::Field(f) => Box::new(std::iter::once(f)),
                    ExeSelection::InlineFragment(fr)
                        if fr.type_condition.as_ref().is_none_or(|t| t == type_name) =>
                    {
                        Box::new(fr.selection_set.fields())
                    }
                    _ => Box::new(std::iter::empty()),
                }
            })
    })
}

fn provided_child<'s>(
    provided: Option<&'s SelectionSet>,
    type_name: &'s str,
    name: &str,
) -> Option<&'s SelectionSet> {
    provided_fields(provided, type_name)
        .find(|f| f.name == name)
        .map(|f| &f.selection_set)
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

    #[allow(clippy::too_many_arguments)]
    fn plan_set(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        set: &SelectionSet,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        for selection in &set.selections {
            match selection {
                ExeSelection::Field(field) => {
                    self.plan_field(fetch, graph, parent, field, out, path, provided)?;
                }
                ExeSelection::InlineFragment(fr) => {
                    let condition = fr.type_condition.clone().unwrap_or_else(|| parent.clone());
                    self.plan_fragment(
                        fetch,
                        graph,
                        parent,
                        &condition,
                        &fr.directives,
                        &fr.selection_set,
                        out,
                        path,
                        provided,
                    )?;
                }
                ExeSelection::FragmentSpread(spread) => {
                    let Some(def) = self.doc.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    let condition = def.type_condition().clone();
                    self.plan_fragment(
                        fetch,
                        graph,
                        parent,
                        &condition,
                        &spread.directives,
                        &def.selection_set,
                        out,
                        path,
                        provided,
                    )?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_fragment(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        condition: &Name,
        directives: &DirectiveList,
        set: &SelectionSet,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        if condition == parent {
            if directives.is_empty() {
                return self.plan_set(fetch, graph, parent, set, out, path, provided);
            }
            let mut inner = std::mem::take(out.fragment_entry(None, directives.clone()));
            self.plan_set(fetch, graph, parent, set, &mut inner, path, provided)?;
            *out.fragment_entry(None, directives.clone()) = inner;
            return Ok(());
        }
        let parent_types = self.sg.possible_types(parent);
        let condition_types = self.sg.possible_types(condition);
        let possible: Vec<Name> = condition_types
            .into_iter()
            .filter(|t| parent_types.contains(t))
            .collect();
        if possible.is_empty() {
            return Ok(()); // the condition can never hold here
        }
        if !self.sg.is_abstract(parent) {
            // An object type matching the condition: the fragment always applies.
            let mut inner = std::mem::take(out.fragment_entry(None, directives.clone()));
            self.plan_set(fetch, graph, parent, set, &mut inner, path, provided)?;
            *out.fragment_entry(None, directives.clone()) = inner;
            return Ok(());
        }
        let targets: Vec<Name> = if self.sg.graph_has_type(condition, graph)
            && !self.sg.is_abstract(condition)
        {
            vec![condition.clone()]
        } else if self.sg.graph_has_type(condition, graph) {
            // An abstract condition the subgraph knows: keep it when every field
            // inside is resolvable there, else split it by concrete type below.
            let coherent = possible.iter().all(|t| {
                self.sg.possible_in_graph(parent, t, graph)
                    == self.sg.possible_in_graph(condition, t, graph)
            }) && possible
                .iter()
                .any(|t| self.sg.possible_in_graph(parent, t, graph));
            if coherent && self.selectable(graph, condition, set) {
                let mut inner =
                    std::mem::take(out.fragment_entry(Some(condition.clone()), directives.clone()));
                inner.add_leaf(&Name::new_static_unchecked("__typename"));
                self.plan_set(fetch, graph, condition, set, &mut inner, path, provided)?;
                *out.fragment_entry(Some(condition.clone()), directives.clone()) = inner;
                return Ok(());
            }
            possible
        } else {
            possible
        };
        let candidates = self.candidates.last().filter(|c| c.len() > 1).cloned();
        for target in targets {
            if !self.sg.graph_has_type(&target, graph)
                || !self.sg.possible_in_graph(parent, &target, graph)
            {
                continue; // this subgraph never returns objects of that type here
            }
            if self.sg.is_union(parent)
                && candidates.as_ref().is_some_and(|c| {
                    c.iter()
                        .any(|&g| !self.sg.possible_in_graph(parent, &target, g))
                })
            {
                // A union member only some of the subgraphs that could resolve this
                // shareable path know: a plan must not depend on which one answers.
                continue;
            }
            let mut typed = path.to_vec();
            typed.push(PathSeg::Type(target.clone()));
            let mut inner =
                std::mem::take(out.fragment_entry(Some(target.clone()), directives.clone()));
            self.plan_set(fetch, graph, &target, set, &mut inner, &typed, provided)?;
            *out.fragment_entry(Some(target.clone()), directives.clone()) = inner;
        }
        Ok(())
    }

    /// Whether every field of `set` is resolvable in `graph` (fragments included).
    fn selectable(&self, graph: GraphId, parent: &Name, set: &SelectionSet) -> bool {
        self.selectable_with(graph, parent, set, None)
    }

    /// [`Builder::selectable`], counting what `provided` promises as resolvable.
    fn selectable_with(
        &self,
        graph: GraphId,
        parent: &Name,
        set: &SelectionSet,
        provided: Option<&SelectionSet>,
    ) -> bool {
        set.selections.iter().all(|s| match s {
            ExeSelection::Field(f) => {
                let is_provided = provided_fields(provided, parent).any(|p| p.name == f.name);
                f.name.starts_with("__")
                    || ((is_provided || self.sg.resolves(parent, &f.name, graph))
                        && (f.selection_set.selections.is_empty()
                            || self.selectable_with(
                                graph,
                                f.definition.ty.inner_named_type(),
                                &f.selection_set,
                                provided_child(provided, parent, &f.name),
                            )))
            }
            ExeSelection::InlineFragment(fr) => {
                let t = fr.type_condition.as_ref().unwrap_or(parent);
                self.sg.graph_has_type(t, graph)
                    && self.selectable_with(graph, t, &fr.selection_set, provided)
            }
            ExeSelection::FragmentSpread(sp) => {
                self.doc.fragments.get(&sp.fragment_name).is_some_and(|d| {
                    self.sg.graph_has_type(d.type_condition(), graph)
                        && self.selectable(graph, d.type_condition(), &d.selection_set)
                })
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_field(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        if field.name == "__typename" {
            out.field_entry(field_item(field));
            return Ok(());
        }
        let is_provided = provided_fields(provided, parent).any(|f| f.name == field.name)
            && self.sg.knows_field(parent, &field.name, graph);
        let requires_here = !is_provided
            && self
                .sg
                .field_join(parent, &field.name, graph)
                .is_some_and(|j| j.requires.is_some());
        if requires_here || !(is_provided || self.sg.resolves(parent, &field.name, graph)) {
            // A field with `@requires` needs a representation, even in its own subgraph.
            return self.jump(fetch, graph, parent, field, out, path, provided);
        }
        // An interface field the subgraph declares, but that some implementation there
        // no longer resolves (`@override` moved it away): ask per concrete type.
        if !is_provided && self.sg.is_abstract(parent) {
            let overridden = self.sg.possible_types(parent).iter().any(|t| {
                self.sg.graph_has_type(t, graph)
                    && self.sg.possible_in_graph(parent, t, graph)
                    && !self.sg.resolves(t, &field.name, graph)
            });
            if overridden {
                return self.split_by_type(fetch, graph, parent, field, out, path);
            }
        }
        self.plan_field_here(fetch, graph, parent, field, out, path, provided)
    }

    /// A type as GraphQL's "same response shape" rule compares it: list and non-null
    /// wrappers and leaf types count, composite types are all alike (their fields are
    /// compared one level down).
    fn response_shape(&self, ty: &str) -> String {
        let named = ty.trim_matches(|c| matches!(c, '[' | ']' | '!'));
        let composite = matches!(
            self.sg.schema.types.get(named),
            Some(
                apollo_compiler::schema::ExtendedType::Object(_)
                    | apollo_compiler::schema::ExtendedType::Interface(_)
                    | apollo_compiler::schema::ExtendedType::Union(_)
            )
        );
        if composite {
            ty.replace(named, "{}")
        } else {
            ty.to_owned()
        }
    }

    /// Fetches `field` in the current subgraph (it resolves it, or it is provided).
    #[allow(clippy::too_many_arguments)]
    fn plan_field_here(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        if let Some((here, stuck, target, key)) = self.parent_entity_call(graph, parent, field) {
            // Part of the sub-selection is on a value type only another subgraph can
            // reach: ask that subgraph for `field { … }` through the parent's key.
            let mut local = field.clone();
            local.make_mut().selection_set = here;
            let mut remote = field.clone();
            remote.make_mut().selection_set = stuck;
            if !local.selection_set.selections.is_empty() {
                self.plan_field_here(fetch, graph, parent, &local, out, path, provided)?;
            }
            return self.jump_to(
                fetch, graph, parent, &remote, out, path, target, &key, false,
            );
        }
        if let Some((target, key)) = self.whole_field_elsewhere(graph, parent, field) {
            // Another subgraph resolves `parent.field` with all of its sub-selection, and
            // the parent's key is at hand: where the sub-selection cannot be planned from
            // here (an implementation of an abstract child that only a subgraph without
            // its key resolves, say), ask that subgraph for the whole field through the
            // parent's key. Tried on a copy first, so that what plans here stays as is.
            let mut trial = self.clone();
            let mut trial_out = out.clone();
            if trial
                .plan_field_locally(fetch, graph, parent, field, &mut trial_out, path, provided)
                .is_ok()
            {
                *self = trial;
                *out = trial_out;
                return Ok(());
            }
            self.detours += 1;
            return self.jump_to(fetch, graph, parent, field, out, path, target, &key, false);
        }
        self.plan_field_locally(fetch, graph, parent, field, out, path, provided)
    }

    /// A subgraph other than `graph` that resolves `parent.field` and reaches its whole
    /// sub-selection, with a key of `parent` that `graph` can select.
    fn whole_field_elsewhere(
        &self,
        graph: GraphId,
        parent: &Name,
        field: &Field,
    ) -> Option<(GraphId, crate::supergraph::Key)> {
        if field.selection_set.selections.is_empty() || self.sg.is_root(parent) {
            return None;
        }
        let child = field.definition.ty.inner_named_type();
        (0..self.sg.subgraphs.len()).find_map(|target| {
            if target == graph
                || !self.sg.resolves(parent, &field.name, target)
                || self.sg.is_interface_object(parent, target)
                || !self.reachable(target, child, &field.selection_set, 2)
            {
                return None;
            }
            self.key_at_hand(graph, parent, target)
                .map(|key| (target, key))
        })
    }

    /// The rest of [`Builder::plan_field_here`]: `field` and its sub-selection planned
    /// from `graph`.
    #[allow(clippy::too_many_arguments)]
    fn plan_field_locally(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let item = out.field_entry(field_item(field));
        if item.output_type.is_none() {
            let ty = self
                .sg
                .field_join(parent, &field.name, graph)
                .and_then(|j| j.type_in_graph.clone())
                .unwrap_or_else(|| field.definition.ty.to_string());
            item.output_type = Some(self.response_shape(&ty));
        }
        if field.selection_set.selections.is_empty() {
            // A composite field whose selections the conditions all left out: the
            // client gets `{}` (or `null`), so the subgraph is asked for its type alone
            // (`Selection::close_empty`).
            if item.selection.is_none()
                && self.sg.is_composite(field.definition.ty.inner_named_type())
            {
                item.selection = Some(Selection::default());
            }
            return Ok(());
        }
        // The subgraph's own type for the field, when it differs (a union member, say);
        // else the field's type on `parent`, which may be narrower than on the
        // interface the client selected it through (`Similar.similar: [Product]`,
        // `Magazine.similar: [Magazine]`): a fragment that can never match there is
        // then dropped instead of sent.
        let child_type = self
            .sg
            .field_join(parent, &field.name, graph)
            .and_then(|j| j.named_type.clone())
            .filter(|t| self.sg.schema.types.contains_key(t))
            .or_else(|| {
                self.sg
                    .schema
                    .type_field(parent, &field.name)
                    .ok()
                    .map(|d| d.ty.inner_named_type().clone())
            })
            .unwrap_or_else(|| field.definition.ty.inner_named_type().clone());
        let mut sub = item.selection.take().unwrap_or_default();
        // The client tells an abstract value's type by `__typename`, even where the
        // subgraph's own type is an object (a union member, say).
        if self.sg.is_abstract(&child_type)
            || self.sg.is_abstract(field.definition.ty.inner_named_type())
        {
            sub.add_leaf(&Name::new_static_unchecked("__typename"));
        }
        if self.sg.is_interface_object(&child_type, graph) {
            let path = child_path(path, field);
            self.plan_interface_object(
                fetch,
                graph,
                &child_type,
                &field.selection_set,
                &mut sub,
                &path,
            )?;
            out.field_entry(field_item(field)).selection = Some(sub);
            return Ok(());
        }
        let child_provided = match provided_child(provided, parent, &field.name) {
            Some(p) => Some(p.clone()),
            None => self
                .sg
                .field_join(parent, &field.name, graph)
                .and_then(|j| j.provides.clone()),
        };
        let path = child_path(path, field);
        let candidates = self.candidates_below(graph, parent, &field.name);
        self.candidates.push(candidates);
        let planned = self.plan_set(
            fetch,
            graph,
            &child_type,
            &field.selection_set,
            &mut sub,
            &path,
            child_provided.as_ref(),
        );
        self.candidates.pop();
        planned?;
        out.field_entry(field_item(field)).selection = Some(sub);
        Ok(())
    }

    /// The subgraphs that could resolve `parent.field` at this point of the operation,
    /// `graph` (the one chosen) among them: for a root field, every subgraph resolving
    /// it; below an entity, every subgraph that resolves the entity by a key and the
    /// field; below a value type, those of the path above that resolve the field.
    /// Another planner (or a later change of ours) may pick any of them, so what is
    /// asked below a shareable path must hold in all of them (see `plan_fragment`).
    fn candidates_below(&self, graph: GraphId, parent: &Name, field: &Name) -> Vec<GraphId> {
        let resolves = |g: GraphId| self.sg.resolves(parent, field, g);
        let mut out: Vec<GraphId> = if self.sg.is_root(parent) {
            (0..self.sg.subgraphs.len())
                .filter(|&g| resolves(g))
                .collect()
        } else if (0..self.sg.subgraphs.len()).any(|g| self.sg.keys(parent, g).next().is_some()) {
            (0..self.sg.subgraphs.len())
                .filter(|&g| self.sg.keys(parent, g).next().is_some() && resolves(g))
                .collect()
        } else {
            self.candidates
                .last()
                .map(|above| above.iter().copied().filter(|&g| resolves(g)).collect())
                .unwrap_or_default()
        };
        if !out.contains(&graph) {
            out.push(graph);
        }
        out
    }

    /// Fetches `parent.field` from another subgraph through an entity key.
    #[allow(clippy::too_many_arguments)]
    fn jump(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        provided: Option<&SelectionSet>,
    ) -> Result<(), PlanError> {
        let resolvers = self.sg.resolvers(parent, &field.name);
        if resolvers.is_empty() {
            if let Some((interface, target)) = self.sg.interface_object_for(parent, &field.name) {
                return self.jump_to_interface_object(
                    fetch, graph, parent, &interface, target, field, out, path,
                );
            }
            if self.sg.is_abstract(parent) {
                // An interface field resolved per implementation elsewhere.
                return self.split_by_type(fetch, graph, parent, field, out, path);
            }
            return Err(unreachable(parent, &field.name, "no subgraph resolves it"));
        }
        if let Some(parts) = self.split_among(graph, parent, field, &resolvers, provided) {
            for (target, key, part) in parts {
                self.jump_to(fetch, graph, parent, &part, out, path, target, &key, false)?;
            }
            return Ok(());
        }
        // Prefer a subgraph that can reach the field's whole sub-selection (else the
        // jump lands where the rest cannot be had: a keyless child type, say), then one
        // already fetched at this path (fewer fetches), then order.
        let child = field.definition.ty.inner_named_type();
        let mut ordered = resolvers.clone();
        ordered.sort_by_key(|g| {
            (
                !(field.selection_set.selections.is_empty()
                    || self.reachable(*g, child, &field.selection_set, 2)),
                !self.drafts.iter().any(|d| {
                    d.subgraph == *g && d.path == path && d.entity.as_ref() == Some(parent)
                }),
            )
        });
        let mut choice = None;
        for target in ordered {
            // Key fields the current subgraph provides on this path count as at hand.
            let key = self
                .sg
                .keys(parent, target)
                .find(|k| self.selectable_with(graph, parent, &k.selection, provided))
                .cloned();
            if let Some(key) = key {
                choice = Some((target, key));
                break;
            }
        }
        // No key is at hand: fetch the key's fields first through other subgraphs
        // (planned like a `@requires`), when they can be reached.
        let mut bridged = false;
        if choice.is_none() {
            for target in &resolvers {
                let key = self
                    .sg
                    .keys(parent, *target)
                    .find(|k| self.reachable(graph, parent, &k.selection, 2))
                    .cloned();
                if let Some(key) = key {
                    choice = Some((*target, key));
                    bridged = true;
                    break;
                }
            }
        }
        let Some((target, key)) = choice else {
            if self.sg.is_abstract(parent) {
                return self.split_by_type(fetch, graph, parent, field, out, path);
            }
            return Err(unreachable(
                parent,
                &field.name,
                "no key of the type is available from the subgraph it is reached in",
            ));
        };
        self.jump_to(
            fetch, graph, parent, field, out, path, target, &key, bridged,
        )
    }

    /// A shared field none of whose subgraphs reaches its whole sub-selection, split
    /// among them: each asked (through its key of `parent`) for the fields it resolves,
    /// and the rest going where it can be reached from through keys of the child type.
    /// `None` when one subgraph will do, or when no split covers everything.
    fn split_among(
        &self,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        resolvers: &[GraphId],
        provided: Option<&SelectionSet>,
    ) -> Option<Vec<(GraphId, crate::supergraph::Key, Node<Field>)>> {
        let child = field.definition.ty.inner_named_type();
        let set = &field.selection_set;
        if resolvers.len() < 2
            || set.selections.is_empty()
            || self.sg.is_abstract(child)
            || set
                .selections
                .iter()
                .any(|s| !matches!(s, ExeSelection::Field(_)))
            || resolvers.iter().any(|g| {
                self.reachable(*g, child, set, 2)
                    || self
                        .sg
                        .field_join(parent, &field.name, *g)
                        .is_some_and(|j| j.requires.is_some())
            })
        {
            return None;
        }
        let mut parts: Vec<SelectionSet> = resolvers
            .iter()
            .map(|_| SelectionSet::new(set.ty.clone()))
            .collect();
        for selection in &set.selections {
            let ExeSelection::Field(f) = selection else {
                return None;
            };
            let single = SelectionSet {
                ty: set.ty.clone(),
                selections: vec![selection.clone()],
            };
            let at = resolvers
                .iter()
                .position(|g| {
                    f.name.starts_with("__")
                        || (self.sg.resolves(child, &f.name, *g)
                            && self.reachable(*g, child, &single, 2))
                })
                .or_else(|| {
                    resolvers
                        .iter()
                        .position(|g| self.reachable(*g, child, &single, 2))
                })?;
            parts[at].selections.push(selection.clone());
        }
        let mut out = Vec::new();
        for (target, part) in resolvers.iter().zip(parts) {
            if part.selections.is_empty() {
                continue;
            }
            let key = self
                .sg
                .keys(parent, *target)
                .find(|k| self.selectable_with(graph, parent, &k.selection, provided))
                .cloned()?;
            let mut partial = field.clone();
            partial.make_mut().selection_set = part;
            out.push((*target, key, partial));
        }
        Some(out)
    }

    /// The second half of [`Builder::jump`]: the target and key are chosen.
    #[allow(clippy::too_many_arguments)]
    fn jump_to(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        target: GraphId,
        key: &crate::supergraph::Key,
        bridged: bool,
    ) -> Result<(), PlanError> {
        out.add_leaf(&Name::new_static_unchecked("__typename"));
        let mut group = self.group(fetch, target, parent, path);
        // Two requirements on the same field with other arguments cannot share one
        // representation: such a field gets an entity fetch of its own.
        if let Some(requires) = self
            .sg
            .field_join(parent, &field.name, target)
            .and_then(|j| j.requires.as_ref())
            && conflicts(&self.drafts[group].representation, requires)
        {
            self.closed.push(group);
            let fresh = self.group(fetch, target, parent, path);
            self.closed.retain(|g| *g != group);
            group = fresh;
        }
        if self.sg.is_interface_object(parent, target) {
            self.drafts[group].typename = Some(parent.clone());
        }
        self.closed.push(group);
        let planned = self.plan_requirements(
            fetch, graph, parent, field, out, path, target, key, bridged, group,
        );
        self.closed.retain(|g| *g != group);
        planned?;
        self.plan_in_group(group, target, parent, field, path)
    }

    /// Plans `field` into the entity fetch `group` on `target` (the fetch now counts as
    /// used, for whatever `@requires` is being planned around it).
    fn plan_in_group(
        &mut self,
        group: usize,
        target: GraphId,
        parent: &Name,
        field: &Node<Field>,
        path: &[PathSeg],
    ) -> Result<(), PlanError> {
        self.touched.push(group);
        let mut selection = std::mem::take(&mut self.drafts[group].selection);
        let result = self.plan_field_here(group, target, parent, field, &mut selection, path, None);
        let added = std::mem::replace(&mut self.drafts[group].selection, selection);
        self.drafts[group].selection.merge(added);
        result
    }

    /// The key (when bridged) and `@requires` of a jump, planned on the parent fetch;
    /// the entity fetch then waits for whatever supplies them.
    #[allow(clippy::too_many_arguments)]
    fn plan_requirements(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
        target: GraphId,
        key: &crate::supergraph::Key,
        bridged: bool,
        group: usize,
    ) -> Result<(), PlanError> {
        if bridged {
            self.plan_supplied(fetch, graph, parent, &key.selection, out, path, group)?;
        } else {
            add_field_set(out, &key.selection);
        }
        add_field_set(&mut self.drafts[group].representation, &key.selection);
        if let Some(requires) = self
            .sg
            .field_join(parent, &field.name, target)
            .and_then(|j| j.requires.as_ref().map(alias_arguments))
        {
            self.plan_supplied(fetch, graph, parent, &requires, out, path, group)?;
            add_field_set(&mut self.drafts[group].representation, &requires);
        }
        Ok(())
    }

    /// Plans `set` on the parent fetch for the entity fetch `group`, which then waits for
    /// every other fetch that supplies part of it.
    #[allow(clippy::too_many_arguments)]
    fn plan_supplied(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        set: &SelectionSet,
        out: &mut Selection,
        path: &[PathSeg],
        group: usize,
    ) -> Result<(), PlanError> {
        let mark = self.touched.len();
        self.plan_set(fetch, graph, parent, set, out, path, None)?;
        let providers: Vec<usize> = self.touched[mark..]
            .iter()
            .copied()
            .filter(|g| *g != group)
            .collect();
        self.drafts[group].depends_on.extend(providers);
        Ok(())
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

    /// When `field`'s sub-selection has fields of a keyless type that `graph` cannot
    /// resolve, but another subgraph resolves `parent.field` with them and `parent` has a
    /// key `graph` can select: `(selection kept here, selection for there, there, key)`.
    fn parent_entity_call(
        &self,
        graph: GraphId,
        parent: &Name,
        field: &Field,
    ) -> Option<(SelectionSet, SelectionSet, GraphId, crate::supergraph::Key)> {
        let child = field.definition.ty.inner_named_type();
        if field.selection_set.selections.is_empty() || self.sg.is_abstract(child) {
            return None;
        }
        let mut here = SelectionSet::new(field.selection_set.ty.clone());
        let mut stuck = SelectionSet::new(field.selection_set.ty.clone());
        // (Fragments on the child's own type were written as their fields by the fold.)
        for selection in &field.selection_set.selections {
            match selection {
                // Not resolvable here, and no subgraph that resolves it has a key of the
                // child type we can reach: an ordinary jump cannot get it.
                ExeSelection::Field(f)
                    if !f.name.starts_with("__")
                        && !self.sg.resolves(child, &f.name, graph)
                        && !self.sg.resolvers(child, &f.name).into_iter().any(|g| {
                            self.sg
                                .keys(child, g)
                                .any(|k| self.reachable(graph, child, &k.selection, 2))
                        }) =>
                {
                    stuck.selections.push(selection.clone());
                }
                _ => here.selections.push(selection.clone()),
            }
        }
        if stuck.selections.is_empty() {
            return None;
        }
        (0..self.sg.subgraphs.len()).find_map(|target| {
            if target == graph
                || !self.sg.resolves(parent, &field.name, target)
                || !self.selectable(target, child, &stuck)
            {
                return None;
            }
            self.key_at_hand(graph, parent, target)
                .map(|key| (here.clone(), stuck.clone(), target, key))
        })
    }

    /// A key of `ty` in `target` whose fields `graph` can select.
    fn key_at_hand(
        &self,
        graph: GraphId,
        ty: &Name,
        target: GraphId,
    ) -> Option<crate::supergraph::Key> {
        self.sg
            .keys(ty, target)
            .find(|k| self.selectable(graph, ty, &k.selection))
            .cloned()
    }

    /// Whether every field of `set` on `parent` can be had from `graph`, directly or
    /// through at most `hops` entity jumps.
    fn reachable(&self, graph: GraphId, parent: &Name, set: &SelectionSet, hops: usize) -> bool {
        if self.selectable(graph, parent, set) {
            return true;
        }
        if hops == 0 {
            return false;
        }
        // Fragments are read through, each on its own condition.
        let fragments_reachable = set.selections.iter().all(|s| match s {
            ExeSelection::InlineFragment(fr) => self.reachable(
                graph,
                fr.type_condition.as_ref().unwrap_or(parent),
                &fr.selection_set,
                hops,
            ),
            _ => true,
        });
        fragments_reachable
            && set.fields().all(|f| {
                if self.sg.resolves(parent, &f.name, graph) {
                    return f.selection_set.selections.is_empty()
                        || self.reachable(
                            graph,
                            f.definition.ty.inner_named_type(),
                            &f.selection_set,
                            hops,
                        );
                }
                self.sg.resolvers(parent, &f.name).into_iter().any(|other| {
                    self.sg
                        .keys(parent, other)
                        .any(|k| self.reachable(graph, parent, &k.selection, hops - 1))
                })
            })
    }

    /// Fetches `field` of an object through an `@interfaceObject` of its `interface`
    /// in `target`: the representation names the interface, as `target` knows it.
    #[allow(clippy::too_many_arguments)]
    fn jump_to_interface_object(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        interface: &Name,
        target: GraphId,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
    ) -> Result<(), PlanError> {
        let Some(key) = self.key_at_hand(graph, interface, target) else {
            return Err(unreachable(
                interface,
                &field.name,
                "no key of the interface object is available",
            ));
        };
        out.add_leaf(&Name::new_static_unchecked("__typename"));
        add_field_set(out, &key.selection);
        let group = self.group(fetch, target, interface, path);
        self.drafts[group].typename = Some(interface.clone());
        add_field_set(&mut self.drafts[group].representation, &key.selection);
        // `@requires` of the interface object's field: planned on the object here, sent
        // in the representation (the fetch waits for whatever supplies them).
        if let Some(requires) = self
            .sg
            .field_join(interface, &field.name, target)
            .and_then(|j| j.requires.as_ref().map(alias_arguments))
        {
            self.closed.push(group);
            let planned = self.plan_supplied(fetch, graph, parent, &requires, out, path, group);
            self.closed.retain(|g| *g != group);
            planned?;
            add_field_set(&mut self.drafts[group].representation, &requires);
        }
        self.plan_in_group(group, target, interface, field, path)
    }

    /// A selection on `interface` in a subgraph that sees it as an `@interfaceObject`:
    /// that subgraph answers `__typename` with the interface's name, so the concrete
    /// type, and everything on concrete types, comes from a subgraph that knows them.
    fn plan_interface_object(
        &mut self,
        fetch: usize,
        graph: GraphId,
        interface: &Name,
        set: &SelectionSet,
        out: &mut Selection,
        path: &[PathSeg],
    ) -> Result<(), PlanError> {
        let typename = Name::new_static_unchecked("__typename");
        // (Fragments on the interface itself, or with no condition, were written as their
        // fields by the fold.)
        let selections = &set.selections;
        let owner = (0..self.sg.subgraphs.len()).find_map(|g| {
            if self.sg.is_interface_object(interface, g) || !self.sg.graph_has_type(interface, g) {
                return None;
            }
            self.key_at_hand(graph, interface, g).map(|k| (g, k))
        });
        // The concrete type is only worth a fetch when the client can see it: an explicit
        // `__typename`, a fragment on an implementation, or a field this subgraph lacks.
        let needs_owner = selections.iter().any(|s| match s {
            ExeSelection::Field(f) => {
                f.name == "__typename" || !self.sg.resolves(interface, &f.name, graph)
            }
            ExeSelection::InlineFragment(fr) => {
                fr.type_condition.as_ref().is_some_and(|t| t != interface)
            }
            ExeSelection::FragmentSpread(_) => true,
        });
        let Some((owner, key)) = owner.filter(|_| needs_owner) else {
            // No subgraph knows the implementations, or nothing asks for them: plan what
            // this one resolves.
            return self.plan_set(fetch, graph, interface, set, out, path, None);
        };
        out.add_leaf(&typename);
        add_field_set(out, &key.selection);
        let group = self.group(fetch, owner, interface, path);
        add_field_set(&mut self.drafts[group].representation, &key.selection);
        self.touched.push(group);
        let mut owned = std::mem::take(&mut self.drafts[group].selection);
        owned.add_leaf(&typename);
        let mut result = Ok(());
        for selection in selections {
            let here = match selection {
                ExeSelection::Field(f) => {
                    f.name == "__typename" || self.sg.resolves(interface, &f.name, graph)
                }
                _ => false,
            };
            let single = SelectionSet {
                ty: set.ty.clone(),
                selections: vec![selection.clone()],
            };
            result = if here {
                self.plan_set(fetch, graph, interface, &single, out, path, None)
            } else {
                self.plan_set(group, owner, interface, &single, &mut owned, path, None)
            };
            if result.is_err() {
                break;
            }
        }
        // What planning the fields here added to the owner's fetch meanwhile (a
        // `@requires` supplied from it, say) is kept.
        let added = std::mem::replace(&mut self.drafts[group].selection, owned);
        self.drafts[group].selection.merge(added);
        result
    }

    /// Plans `field` of an abstract `parent` as `... on Concrete { field }` per type.
    fn split_by_type(
        &mut self,
        fetch: usize,
        graph: GraphId,
        parent: &Name,
        field: &Node<Field>,
        out: &mut Selection,
        path: &[PathSeg],
    ) -> Result<(), PlanError> {
        let concretes = self.sg.possible_types(parent);
        if concretes.is_empty() {
            // No object type implements it (only an `@interfaceObject` knows its fields):
            // nothing could answer the field.
            return Err(unreachable(
                parent,
                &field.name,
                "no object type implements the interface, and no subgraph resolves the field on it",
            ));
        }
        out.add_leaf(&Name::new_static_unchecked("__typename"));
        for concrete in concretes {
            if !self.sg.graph_has_type(&concrete, graph) {
                continue;
            }
            let mut typed = path.to_vec();
            typed.push(PathSeg::Type(concrete.clone()));
            let mut inner =
                std::mem::take(out.fragment_entry(Some(concrete.clone()), DirectiveList::new()));
            self.plan_field(fetch, graph, &concrete, field, &mut inner, &typed, None)?;
            *out.fragment_entry(Some(concrete.clone()), DirectiveList::new()) = inner;
        }
        Ok(())
    }

    /// The entity fetch of `entity` objects at `path` from `target`, created if absent.
    fn group(
        &mut self,
        parent_fetch: usize,
        target: GraphId,
        entity: &Name,
        path: &[PathSeg],
    ) -> usize {
        // Never the fetch being planned itself: its own representation cannot wait for
        // what it is about to fetch.
        if let Some(existing) = self.drafts.iter().enumerate().position(|(i, d)| {
            i != parent_fetch
                && !self.closed.contains(&i)
                && !self.waits_on_closed(i)
                && !self.waits_on(parent_fetch, i)
                && d.subgraph == target
                && d.path == path
                && d.entity.as_ref() == Some(entity)
        }) {
            self.drafts[existing].depends_on.insert(parent_fetch);
            return existing;
        }
        self.drafts.push(Draft {
            subgraph: target,
            path: path.to_vec(),
            entity: Some(entity.clone()),
            typename: None,
            selection: Selection::default(),
            representation: Selection::default(),
            depends_on: BTreeSet::from([parent_fetch]),
        });
        self.drafts.len() - 1
    }

    /// Whether draft `i` waits, directly or not, for a draft whose requirements are
    /// being planned: what supplies them cannot join it, or the two would wait for each
    /// other.
    fn waits_on_closed(&self, i: usize) -> bool {
        if self.closed.is_empty() {
            return false;
        }
        let mut seen = vec![false; self.drafts.len()];
        let mut stack = vec![i];
        while let Some(d) = stack.pop() {
            for &dep in &self.drafts[d].depends_on {
                if self.closed.contains(&dep) {
                    return true;
                }
                if dep < seen.len() && !seen[dep] {
                    seen[dep] = true;
                    stack.push(dep);
                }
            }
        }
        false
    }

    /// Whether draft `from` waits, directly or not, for draft `on`: `on` then cannot
    /// take fields that wait for `from`, or the two would wait for each other.
    fn waits_on(&self, from: usize, on: usize) -> bool {
        let mut seen = vec![false; self.drafts.len()];
        let mut stack = vec![from];
        while let Some(d) = stack.pop() {
            for &dep in &self.drafts[d].depends_on {
                if dep == on {
                    return true;
                }
                if dep < seen.len() && !seen[dep] {
                    seen[dep] = true;
                    stack.push(dep);
                }
            }
        }
        false
    }

    fn finish(self, operation: &Operation) -> Plan {
        // Deferring a fetch to a later wave is only safe for queries: after a mutation
        // it could read what a later mutation changed.
        let groups = merge_groups(
            &self.drafts,
            operation.operation_type == OperationType::Query,
        );
        let mut fetch_of = vec![0; self.drafts.len()];
        for (id, members) in groups.iter().enumerate() {
            for m in members {
                fetch_of[*m] = id;
            }
        }
        let mut drafts: Vec<Option<Draft>> = self.drafts.into_iter().map(Some).collect();
        let fetches = groups
            .into_iter()
            .enumerate()
            .map(|(id, members)| {
                let members: Vec<Draft> = members
                    .into_iter()
                    .filter_map(|m| drafts[m].take())
                    .collect();
                build_fetch(id, members, &fetch_of, operation)
            })
            .collect();
        Plan { fetches }
    }
}

/// The fetches drafts become: lists of drafts, each list one request, in the order
/// they run (wave by wave).
///
/// Entity drafts on the same subgraph are merged into one request when that costs no
/// extra wave. The executor runs a fetch as soon as its dependencies are done, so a
/// draft's wave is its *level* (the longest chain of dependencies before it). A draft
/// can also run later, up to the wave before its first dependent (or, for queries, the
/// plan's last wave when nothing depends on it): drafts whose windows overlap run
/// together. Along every dependency the merged wave still grows, so the merged plan has
/// no cycle and no more waves than the drafts had. Root drafts are not merged (the
/// planner already groups root fields by subgraph).
fn merge_groups(drafts: &[Draft], defer: bool) -> Vec<Vec<usize>> {
    let singles = || (0..drafts.len()).map(|i| vec![i]).collect();
    let Some(level) = levels(drafts) else {
        return singles(); // a cycle: leave the plan as it is
    };
    let last = level.iter().copied().max().unwrap_or(0);
    let mut latest: Vec<usize> = (0..drafts.len())
        .map(|i| if defer { last } else { level[i] })
        .collect();
    for (i, d) in drafts.iter().enumerate() {
        for &dep in &d.depends_on {
            if dep != i && dep < drafts.len() {
                latest[dep] = latest[dep].min(level[i].saturating_sub(1));
            }
        }
    }
    struct Group {
        members: Vec<usize>,
        earliest: usize,
        latest: usize,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|&i| (level[i], i));
    for i in order {
        let d = &drafts[i];
        let fits = |g: &Group| {
            let first = &drafts[g.members[0]];
            d.entity.is_some()
                && first.entity.is_some()
                && first.subgraph == d.subgraph
                && g.earliest.max(level[i]) <= g.latest.min(latest[i])
        };
        // Prefer a group of the same wave: nothing moves.
        let chosen = groups
            .iter()
            .position(|g| fits(g) && g.earliest == level[i])
            .or_else(|| groups.iter().position(fits));
        match chosen {
            Some(g) => {
                let g = &mut groups[g];
                g.members.push(i);
                g.earliest = g.earliest.max(level[i]);
                g.latest = g.latest.min(latest[i]);
            }
            None => groups.push(Group {
                members: vec![i],
                earliest: level[i],
                latest: latest[i],
            }),
        }
    }
    // In the order they run: wave by wave, each wave in planning order.
    groups.sort_by_key(|g| (g.earliest, g.members.iter().copied().min()));
    groups
        .into_iter()
        .map(|mut g| {
            g.members.sort_unstable();
            g.members
        })
        .collect()
}

/// Each draft's level: 0 without dependencies, else one more than its deepest
/// dependency; `None` when the dependencies form a cycle.
fn levels(drafts: &[Draft]) -> Option<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    const VISITING: usize = usize::MAX - 1;
    fn visit(i: usize, drafts: &[Draft], level: &mut [usize]) -> Option<usize> {
        match level[i] {
            VISITING => return None,
            UNSEEN => {}
            known => return Some(known),
        }
        level[i] = VISITING;
        let mut mine = 0;
        for &dep in &drafts[i].depends_on {
            if dep != i && dep < drafts.len() {
                mine = mine.max(visit(dep, drafts, level)? + 1);
            }
        }
        level[i] = mine;
        Some(mine)
    }
    let mut level = vec![UNSEEN; drafts.len()];
    for i in 0..drafts.len() {
        visit(i, drafts, &mut level)?;
    }
    Some(level)
}

/// One fetch from its drafts (several only for entity drafts merged by
/// [`merge_groups`]): drafts asking the same of the same entity type share one
/// `_entities` field (their paths joined), the others get an aliased one each.
fn build_fetch(id: usize, members: Vec<Draft>, fetch_of: &[usize], operation: &Operation) -> Fetch {
    let subgraph = members[0].subgraph;
    let mut depends_on: Vec<usize> = members
        .iter()
        .flat_map(|d| d.depends_on.iter().map(|dep| fetch_of[*dep]))
        .filter(|dep| *dep != id)
        .collect();
    depends_on.sort_unstable();
    depends_on.dedup();
    let mut internal_aliases = false;
    let mut variables = Vec::new();
    let mut root: Option<Selection> = None;
    let mut entities: Vec<EntityCall> = Vec::new();
    for mut d in members {
        d.selection.close_empty();
        if d.entity.is_some() && d.selection.is_empty() {
            d.selection
                .add_leaf(&Name::new_static_unchecked("__typename"));
        }
        internal_aliases |= d.selection.alias_type_conflicts();
        d.selection.variables(&mut variables);
        let Some(entity) = d.entity else {
            root = Some(d.selection);
            continue;
        };
        let same = entities.iter_mut().find(|c| {
            c.entity == entity
                && c.representation_typename == d.typename
                && c.representation == d.representation
                && c.selection == d.selection
        });
        match same {
            Some(call) => {
                if !call.paths.contains(&d.path) {
                    call.paths.push(d.path);
                }
            }
            None => entities.push(EntityCall {
                paths: vec![d.path],
                entity,
                representation_typename: d.typename,
                representation: d.representation,
                selection: d.selection,
                cache_identity: std::sync::OnceLock::new(),
            }),
        }
    }
    let definitions: Vec<String> = variables
        .iter()
        .filter_map(|v| operation.variables.iter().find(|def| def.name == *v))
        .map(|def| match &def.default_value {
            // The default keeps the definition valid where the variable meets a
            // non-null position, as it was in the client's document.
            Some(default) => format!("${}: {} = {default}", def.name, def.ty),
            None => format!("${}: {}", def.name, def.ty),
        })
        .collect();
    let (text, kind) = match root {
        Some(selection) if entities.is_empty() => {
            let kind = operation.operation_type;
            let keyword = match kind {
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
                OperationType::Query => "query",
            };
            let vars = if definitions.is_empty() {
                String::new()
            } else {
                format!("({})", definitions.join(", "))
            };
            (format!("{keyword}{vars} {selection}"), kind)
        }
        _ => {
            let mut defs: Vec<String> = (0..entities.len())
                .map(|k| format!("${}: [_Any!]!", EntityCall::variable(k, &variables)))
                .collect();
            defs.extend(definitions);
            let fields: Vec<String> = entities
                .iter()
                .enumerate()
                .map(|(k, call)| {
                    let alias = if k == 0 {
                        String::new()
                    } else {
                        format!("{}: ", EntityCall::response_key(k))
                    };
                    format!(
                        "{alias}_entities(representations: ${}) {{ ... on {} {} }}",
                        EntityCall::variable(k, &variables),
                        call.entity,
                        call.selection
                    )
                })
                .collect();
            (
                format!("query({}) {{ {} }}", defs.join(", "), fields.join(" ")),
                OperationType::Query,
            )
        }
    };
    Fetch {
        id,
        subgraph,
        entities,
        depends_on,
        operation: text,
        variables,
        kind,
        internal_aliases,
    }
}

/// Whether `requires` asks for a field `representation` already holds with other
/// arguments.
fn conflicts(representation: &Selection, requires: &SelectionSet) -> bool {
    requires.fields().any(|f| {
        representation.items.iter().any(|item| match item {
            super::selection::Item::Field(held) => {
                held.name == f.name && held.arguments != f.arguments
            }
            super::selection::Item::Fragment(_) => false,
        })
    })
}

/// A `@requires` field set with an internal alias on every field that takes
/// arguments: two requirements on `price(currency: "USD")` and `price(currency: "EUR")`
/// would otherwise collide in one subgraph selection. Representations read the alias
/// and send the field under its own name.
fn alias_arguments(set: &SelectionSet) -> SelectionSet {
    let mut out = set.clone();
    for selection in &mut out.selections {
        match selection {
            ExeSelection::Field(f) => {
                let f = f.make_mut();
                if !f.arguments.is_empty() {
                    let mut text = String::new();
                    for a in &f.arguments {
                        text.push_str(&format!("{}:{};", a.name, a.value));
                    }
                    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                    });
                    if let Ok(alias) = Name::new(&format!("tqa_{}_{hash:016x}", f.name)) {
                        f.alias = Some(alias);
                    }
                }
                f.selection_set = alias_arguments(&f.selection_set);
            }
            ExeSelection::InlineFragment(fr) => {
                let fr = fr.make_mut();
                fr.selection_set = alias_arguments(&fr.selection_set);
            }
            ExeSelection::FragmentSpread(_) => {}
        }
    }
    out
}

/// Adds a key or requires field set to a selection (aliases kept).
fn add_field_set(out: &mut Selection, set: &SelectionSet) {
    for selection in &set.selections {
        match selection {
            ExeSelection::Field(f) => {
                let entry = out.field_entry(FieldItem {
                    alias: f.alias.clone(),
                    name: f.name.clone(),
                    arguments: f.arguments.clone(),
                    directives: DirectiveList::new(),
                    selection: None,
                    output_type: None,
                });
                if !f.selection_set.selections.is_empty() {
                    let mut sub = entry.selection.take().unwrap_or_default();
                    // A value selected by type needs its type beside it: a subgraph
                    // reading `address { ... on WorkAddress { id } }` from a
                    // representation tells the address's type by `__typename` (the
                    // fetch supplying it asks for it, as for every abstract value).
                    if f.selection_set.selections.iter().any(|s| {
                        matches!(s, ExeSelection::InlineFragment(fr) if fr.type_condition.is_some())
                    }) {
                        sub.add_leaf(&Name::new_static_unchecked("__typename"));
                    }
                    add_field_set(&mut sub, &f.selection_set);
                    entry.selection = Some(sub);
                }
            }
            ExeSelection::InlineFragment(fr) => {
                let inner = out.fragment_entry(fr.type_condition.clone(), DirectiveList::new());
                add_field_set(inner, &fr.selection_set);
            }
            ExeSelection::FragmentSpread(_) => {}
        }
    }
}
