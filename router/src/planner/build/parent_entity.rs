//! Parent-entity calls (`PLANNER.md`, rule 5): a field whose sub-selection the
//! current subgraph cannot reach asked, whole or in part, of a subgraph that can,
//! through the parent's key.

use apollo_compiler::{
    Name,
    executable::{Field, Selection as ExeSelection, SelectionSet},
};

use super::Builder;
use crate::supergraph::GraphId;

impl Builder<'_> {
    /// A subgraph other than `graph` that resolves `parent.field` and reaches its whole
    /// sub-selection, with a key of `parent` that `graph` can select.
    pub(super) fn whole_field_elsewhere(
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

    /// When `field`'s sub-selection has fields of a keyless type that `graph` cannot
    /// resolve, but another subgraph resolves `parent.field` with them and `parent` has a
    /// key `graph` can select: `(selection kept here, selection for there, there, key)`.
    pub(super) fn parent_entity_call(
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
}
