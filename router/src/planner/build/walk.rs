//! The walk (`PLANNER.md`, rule 2, "stay where you are"): selections planned into the
//! fetch at hand, field by field and fragment by fragment, while its subgraph resolves
//! them (or `@provides` them); whatever it cannot resolve becomes a jump.

use apollo_compiler::{
    Name, Node,
    ast::DirectiveList,
    executable::{Field, Selection as ExeSelection, SelectionSet},
};

use super::{At, Builder, PlanError};
use crate::planner::{
    plan::PathSeg,
    selection::{FieldItem, Selection},
};
use crate::supergraph::GraphId;

impl Builder<'_> {
    /// Plans `set`, selected on `at.parent`, into `out`.
    pub(super) fn plan_set(
        &mut self,
        at: At<'_>,
        set: &SelectionSet,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        for selection in &set.selections {
            match selection {
                ExeSelection::Field(field) => {
                    self.plan_field(at, field, out)?;
                }
                ExeSelection::InlineFragment(fr) => {
                    let condition = fr
                        .type_condition
                        .clone()
                        .unwrap_or_else(|| at.parent.clone());
                    self.plan_fragment(at, &condition, &fr.directives, &fr.selection_set, out)?;
                }
                ExeSelection::FragmentSpread(spread) => {
                    let Some(def) = self.doc.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    let condition = def.type_condition().clone();
                    self.plan_fragment(
                        at,
                        &condition,
                        &spread.directives,
                        &def.selection_set,
                        out,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Plans a fragment on `condition` (with `directives`) selected on `at.parent`.
    pub(super) fn plan_fragment(
        &mut self,
        at: At<'_>,
        condition: &Name,
        directives: &DirectiveList,
        set: &SelectionSet,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At {
            graph,
            parent,
            path,
            ..
        } = at;
        if condition == parent {
            if directives.is_empty() {
                return self.plan_set(at, set, out);
            }
            let mut inner = std::mem::take(out.fragment_entry(None, directives.clone()));
            self.plan_set(at, set, &mut inner)?;
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
            self.plan_set(at, set, &mut inner)?;
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
                self.plan_set(
                    At {
                        parent: condition,
                        ..at
                    },
                    set,
                    &mut inner,
                )?;
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
            self.plan_set(
                At {
                    parent: &target,
                    path: &typed,
                    ..at
                },
                set,
                &mut inner,
            )?;
            *out.fragment_entry(Some(target.clone()), directives.clone()) = inner;
        }
        Ok(())
    }

    /// Whether every field of `set` is resolvable in `graph` (fragments included).
    pub(super) fn selectable(&self, graph: GraphId, parent: &Name, set: &SelectionSet) -> bool {
        self.selectable_with(graph, parent, set, None)
    }

    /// [`Builder::selectable`], counting what `provided` promises as resolvable.
    pub(super) fn selectable_with(
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

    /// Plans `field`, selected on `at.parent`: here, or through a jump.
    pub(super) fn plan_field(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At {
            graph,
            parent,
            provided,
            ..
        } = at;
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
            return self.jump(at, field, out);
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
                return self.split_by_type(at, field, out);
            }
        }
        self.plan_field_here(at, field, out)
    }

    /// A type as GraphQL's "same response shape" rule compares it: list and non-null
    /// wrappers and leaf types count, composite types are all alike (their fields are
    /// compared one level down).
    pub(super) fn response_shape(&self, ty: &str) -> String {
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
    pub(super) fn plan_field_here(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At { graph, parent, .. } = at;
        if let Some((here, stuck, target, key)) = self.parent_entity_call(graph, parent, field) {
            // Part of the sub-selection is on a value type only another subgraph can
            // reach: ask that subgraph for `field { … }` through the parent's key.
            let mut local = field.clone();
            local.make_mut().selection_set = here;
            let mut remote = field.clone();
            remote.make_mut().selection_set = stuck;
            if !local.selection_set.selections.is_empty() {
                self.plan_field_here(at, &local, out)?;
            }
            return self.jump_to(at, &remote, out, (target, &key, false));
        }
        if let Some((target, key)) = self.whole_field_elsewhere(graph, parent, field) {
            // Another subgraph resolves `parent.field` with all of its sub-selection, and
            // the parent's key is at hand: where the sub-selection cannot be planned from
            // here (an implementation of an abstract child that only a subgraph without
            // its key resolves, say), ask that subgraph for the whole field through the
            // parent's key. Tried on a copy first, so that what plans here stays as is.
            let mut trial = self.clone();
            let mut trial_out = out.clone();
            if trial.plan_field_locally(at, field, &mut trial_out).is_ok() {
                *self = trial;
                *out = trial_out;
                return Ok(());
            }
            self.detours += 1;
            return self.jump_to(at, field, out, (target, &key, false));
        }
        self.plan_field_locally(at, field, out)
    }

    /// The rest of [`Builder::plan_field_here`]: `field` and its sub-selection planned
    /// from `graph`.
    pub(super) fn plan_field_locally(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At {
            graph,
            parent,
            path,
            provided,
            ..
        } = at;
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
                At {
                    parent: &child_type,
                    path: &path,
                    provided: None,
                    ..at
                },
                &field.selection_set,
                &mut sub,
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
            At {
                parent: &child_type,
                path: &path,
                provided: child_provided.as_ref(),
                ..at
            },
            &field.selection_set,
            &mut sub,
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
    pub(super) fn candidates_below(
        &self,
        graph: GraphId,
        parent: &Name,
        field: &Name,
    ) -> Vec<GraphId> {
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
}

pub(super) fn field_item(field: &Field) -> FieldItem {
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
pub(super) fn child_path(path: &[PathSeg], field: &Field) -> Vec<PathSeg> {
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
pub(super) fn provided_fields<'s>(
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

pub(super) fn provided_child<'s>(
    provided: Option<&'s SelectionSet>,
    type_name: &'s str,
    name: &str,
) -> Option<&'s SelectionSet> {
    provided_fields(provided, type_name)
        .find(|f| f.name == name)
        .map(|f| &f.selection_set)
}
