//! Entity jumps and requirements (`PLANNER.md`, rules 3 and 4): a field fetched from
//! another subgraph through a key of its parent, the key (when not at hand) and the
//! field's `@requires` planned on the parent fetch, and the entity fetch it lands in.

use std::collections::BTreeSet;

use apollo_compiler::{
    Name, Node,
    ast::DirectiveList,
    executable::{Field, Selection as ExeSelection, SelectionSet},
};

use super::{At, Builder, Draft, PlanError, unreachable};
use crate::planner::{
    plan::PathSeg,
    selection::{FieldItem, Selection},
};
use crate::supergraph::GraphId;

impl Builder<'_> {
    /// Fetches `parent.field` from another subgraph through an entity key.
    pub(super) fn jump(
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
        let resolvers = self.sg.resolvers(parent, &field.name);
        if resolvers.is_empty() {
            if let Some((interface, target)) = self.sg.interface_object_for(parent, &field.name) {
                return self.jump_to_interface_object(at, (&interface, target), field, out);
            }
            if self.sg.is_abstract(parent) {
                // An interface field resolved per implementation elsewhere.
                return self.split_by_type(at, field, out);
            }
            return Err(unreachable(parent, &field.name, "no subgraph resolves it"));
        }
        if let Some(parts) = self.split_among(graph, parent, field, &resolvers, provided) {
            for (target, key, part) in parts {
                self.jump_to(at, &part, out, (target, &key, false))?;
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
                return self.split_by_type(at, field, out);
            }
            return Err(unreachable(
                parent,
                &field.name,
                "no key of the type is available from the subgraph it is reached in",
            ));
        };
        self.jump_to(at, field, out, (target, &key, bridged))
    }

    /// A shared field none of whose subgraphs reaches its whole sub-selection, split
    /// among them: each asked (through its key of `parent`) for the fields it resolves,
    /// and the rest going where it can be reached from through keys of the child type.
    /// `None` when one subgraph will do, or when no split covers everything.
    pub(super) fn split_among(
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

    /// The second half of [`Builder::jump`]: the target, its key, and whether the key
    /// must be fetched first (`bridged`) are chosen.
    pub(super) fn jump_to(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
        (target, key, bridged): (GraphId, &crate::supergraph::Key, bool),
    ) -> Result<(), PlanError> {
        let At {
            fetch,
            parent,
            path,
            ..
        } = at;
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
        let planned = self.plan_requirements(at, field, out, (target, key, bridged), group);
        self.closed.retain(|g| *g != group);
        planned?;
        self.plan_in_group(group, target, parent, field, path)
    }

    /// Plans `field` into the entity fetch `group` on `target` (the fetch now counts as
    /// used, for whatever `@requires` is being planned around it).
    pub(super) fn plan_in_group(
        &mut self,
        group: usize,
        target: GraphId,
        parent: &Name,
        field: &Node<Field>,
        path: &[PathSeg],
    ) -> Result<(), PlanError> {
        self.touched.push(group);
        let mut selection = std::mem::take(&mut self.drafts[group].selection);
        let at = At {
            fetch: group,
            graph: target,
            parent,
            path,
            provided: None,
        };
        let result = self.plan_field_here(at, field, &mut selection);
        let added = std::mem::replace(&mut self.drafts[group].selection, selection);
        self.drafts[group].selection.merge(added);
        result
    }

    /// The key (when bridged) and `@requires` of a jump, planned on the parent fetch;
    /// the entity fetch then waits for whatever supplies them.
    pub(super) fn plan_requirements(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
        (target, key, bridged): (GraphId, &crate::supergraph::Key, bool),
        group: usize,
    ) -> Result<(), PlanError> {
        let parent = at.parent;
        if bridged {
            self.plan_supplied(at, &key.selection, out, group)?;
        } else {
            add_field_set(out, &key.selection);
        }
        add_field_set(&mut self.drafts[group].representation, &key.selection);
        if let Some(requires) = self
            .sg
            .field_join(parent, &field.name, target)
            .and_then(|j| j.requires.as_ref().map(alias_arguments))
        {
            self.plan_supplied(at, &requires, out, group)?;
            add_field_set(&mut self.drafts[group].representation, &requires);
        }
        Ok(())
    }

    /// Plans `set` on the parent fetch for the entity fetch `group`, which then waits for
    /// every other fetch that supplies part of it.
    pub(super) fn plan_supplied(
        &mut self,
        at: At<'_>,
        set: &SelectionSet,
        out: &mut Selection,
        group: usize,
    ) -> Result<(), PlanError> {
        let mark = self.touched.len();
        self.plan_set(
            At {
                provided: None,
                ..at
            },
            set,
            out,
        )?;
        let providers: Vec<usize> = self.touched[mark..]
            .iter()
            .copied()
            .filter(|g| *g != group)
            .collect();
        self.drafts[group].depends_on.extend(providers);
        Ok(())
    }

    /// A key of `ty` in `target` whose fields `graph` can select.
    pub(super) fn key_at_hand(
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
    pub(super) fn reachable(
        &self,
        graph: GraphId,
        parent: &Name,
        set: &SelectionSet,
        hops: usize,
    ) -> bool {
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

    /// The entity fetch of `entity` objects at `path` from `target`, created if absent.
    pub(super) fn group(
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
    pub(super) fn waits_on_closed(&self, i: usize) -> bool {
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
    pub(super) fn waits_on(&self, from: usize, on: usize) -> bool {
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
}

/// Whether `requires` asks for a field `representation` already holds with other
/// arguments.
pub(super) fn conflicts(representation: &Selection, requires: &SelectionSet) -> bool {
    requires.fields().any(|f| {
        representation.items.iter().any(|item| match item {
            crate::planner::selection::Item::Field(held) => {
                held.name == f.name && held.arguments != f.arguments
            }
            crate::planner::selection::Item::Fragment(_) => false,
        })
    })
}

/// A `@requires` field set with an internal alias on every field that takes
/// arguments: two requirements on `price(currency: "USD")` and `price(currency: "EUR")`
/// would otherwise collide in one subgraph selection. Representations read the alias
/// and send the field under its own name.
pub(super) fn alias_arguments(set: &SelectionSet) -> SelectionSet {
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
pub(super) fn add_field_set(out: &mut Selection, set: &SelectionSet) {
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
