//! Abstract types and interface objects (`PLANNER.md`, "Abstract types"): a field
//! asked per concrete type, and `@interfaceObject`s, whose subgraph knows only the
//! interface.

use apollo_compiler::{
    Name, Node,
    ast::DirectiveList,
    executable::{Field, Selection as ExeSelection, SelectionSet},
};

use super::{
    At, Builder, PlanError,
    jumps::{add_field_set, alias_arguments},
    unreachable,
};
use crate::planner::{plan::PathSeg, selection::Selection};
use crate::supergraph::GraphId;

impl Builder<'_> {
    /// Fetches `field` of an object through an `@interfaceObject` of its `interface`
    /// in `target`: the representation names the interface, as `target` knows it.
    pub(super) fn jump_to_interface_object(
        &mut self,
        at: At<'_>,
        (interface, target): (&Name, GraphId),
        field: &Node<Field>,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At {
            fetch, graph, path, ..
        } = at;
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
            let planned = self.plan_supplied(at, &requires, out, group);
            self.closed.retain(|g| *g != group);
            planned?;
            add_field_set(&mut self.drafts[group].representation, &requires);
        }
        self.plan_in_group(group, target, interface, field, path)
    }

    /// A selection on `interface` in a subgraph that sees it as an `@interfaceObject`:
    /// that subgraph answers `__typename` with the interface's name, so the concrete
    /// type, and everything on concrete types, comes from a subgraph that knows them.
    pub(super) fn plan_interface_object(
        &mut self,
        at: At<'_>,
        set: &SelectionSet,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let at = At {
            provided: None,
            ..at
        };
        let At {
            fetch,
            graph,
            parent: interface,
            path,
            ..
        } = at;
        let typename = Name::new_static_unchecked("__typename");
        // (Fragments on the interface itself, or with no condition, were written as their
        // fields by the fold.)
        let selections = &set.selections;
        // The owner tells the concrete type: a subgraph with the interface as an
        // interface and an implementation of it (with none, its `_entities` could not
        // even select `... on` the interface, and would have nothing to answer).
        let implementations = self.sg.possible_types(interface);
        let owner = (0..self.sg.subgraphs.len()).find_map(|g| {
            if self.sg.is_interface_object(interface, g)
                || !self.sg.graph_has_type(interface, g)
                || !implementations
                    .iter()
                    .any(|c| c != interface && self.sg.possible_in_graph(interface, c, g))
            {
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
            return self.plan_set(at, set, out);
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
                self.plan_set(at, &single, out)
            } else {
                let there = At {
                    fetch: group,
                    graph: owner,
                    ..at
                };
                self.plan_set(there, &single, &mut owned)
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
    pub(super) fn split_by_type(
        &mut self,
        at: At<'_>,
        field: &Node<Field>,
        out: &mut Selection,
    ) -> Result<(), PlanError> {
        let At {
            graph,
            parent,
            path,
            ..
        } = at;
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
            let typed_at = At {
                parent: &concrete,
                path: &typed,
                provided: None,
                ..at
            };
            self.plan_field(typed_at, field, &mut inner)?;
            *out.fragment_entry(Some(concrete.clone()), DirectiveList::new()) = inner;
        }
        Ok(())
    }
}
