//! Selection sets of subgraph operations as the planner builds them, merged as they
//! grow (same response key → one field), and printed to GraphQL text.

use std::fmt::{self, Write as _};

use apollo_compiler::{
    Name, Node,
    ast::{Argument, DirectiveList},
};

/// One selection in a subgraph operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A field, with the client's alias kept (it is the response key).
    Field(FieldItem),
    /// `... on Type @directives { … }` (or without a type condition).
    Fragment(FragmentItem),
}

/// A field selection.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldItem {
    /// Alias, if any.
    pub alias: Option<Name>,
    /// Field name.
    pub name: Name,
    /// Arguments, as the client wrote them (variables stay variables).
    pub arguments: Vec<Node<Argument>>,
    /// `@skip`/`@include` and other executable directives.
    pub directives: DirectiveList,
    /// Sub-selection of composite fields.
    pub selection: Option<Selection>,
    /// The field's type in the subgraph asked, to find same-key fields whose types
    /// differ between fragments (they need internal aliases).
    pub output_type: Option<String>,
}

impl FieldItem {
    /// The key the field has in the response.
    pub fn response_key(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.name)
    }
}

/// An inline fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentItem {
    /// Type condition.
    pub type_condition: Option<Name>,
    /// Directives on the fragment.
    pub directives: DirectiveList,
    /// Its selection.
    pub selection: Selection,
}

/// A selection set being built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Items in insertion order.
    pub items: Vec<Item>,
}

impl Selection {
    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds a leaf field by name (no alias, no arguments) unless present.
    pub fn add_leaf(&mut self, name: &Name) {
        self.field_entry(FieldItem {
            alias: None,
            name: name.clone(),
            arguments: Vec::new(),
            directives: DirectiveList::new(),
            selection: None,
            output_type: None,
        });
    }

    /// Adds `field` (merging with a field of the same response key, arguments and
    /// directives) and returns the stored field, to grow its sub-selection.
    pub fn field_entry(&mut self, field: FieldItem) -> &mut FieldItem {
        let position = self.items.iter().position(|item| match item {
            Item::Field(f) => {
                f.response_key() == field.response_key()
                    && f.name == field.name
                    && f.arguments == field.arguments
                    && f.directives == field.directives
            }
            Item::Fragment(_) => false,
        });
        let index = match position {
            Some(i) => i,
            None => {
                self.items.push(Item::Field(field));
                self.items.len() - 1
            }
        };
        match &mut self.items[index] {
            Item::Field(f) => f,
            Item::Fragment(_) => unreachable!("the position found a field"),
        }
    }

    /// The inline fragment with this condition and directives, created if absent.
    pub fn fragment_entry(
        &mut self,
        type_condition: Option<Name>,
        directives: DirectiveList,
    ) -> &mut Selection {
        let position = self.items.iter().position(|item| match item {
            Item::Fragment(f) => f.type_condition == type_condition && f.directives == directives,
            Item::Field(_) => false,
        });
        let index = match position {
            Some(i) => i,
            None => {
                self.items.push(Item::Fragment(FragmentItem {
                    type_condition,
                    directives,
                    selection: Selection::default(),
                }));
                self.items.len() - 1
            }
        };
        match &mut self.items[index] {
            Item::Fragment(f) => &mut f.selection,
            Item::Field(_) => unreachable!("the position found a fragment"),
        }
    }

    /// Adds everything `other` selects (fields merged by response key, arguments and
    /// directives; fragments by condition and directives).
    pub fn merge(&mut self, other: Selection) {
        for item in other.items {
            match item {
                Item::Field(mut f) => {
                    let sub = f.selection.take();
                    let entry = self.field_entry(f);
                    if let Some(sub) = sub {
                        entry
                            .selection
                            .get_or_insert_with(Selection::default)
                            .merge(sub);
                    }
                }
                Item::Fragment(fr) => self
                    .fragment_entry(fr.type_condition, fr.directives)
                    .merge(fr.selection),
            }
        }
    }

    /// Makes the selection one a subgraph accepts: a fragment left empty (its fields
    /// all went elsewhere, or none could match) is dropped, and a composite field left
    /// empty selects `__typename`, so the object is still told from `null`.
    pub fn close_empty(&mut self) {
        self.items.retain_mut(|item| match item {
            Item::Field(f) => {
                if let Some(sub) = &mut f.selection {
                    sub.close_empty();
                    if sub.is_empty() {
                        sub.add_leaf(&Name::new_static_unchecked("__typename"));
                    }
                }
                true
            }
            Item::Fragment(fr) => {
                fr.selection.close_empty();
                !fr.selection.is_empty()
            }
        });
    }

    /// Variable names used in arguments and directives, in first-use order.
    pub fn variables(&self, out: &mut Vec<Name>) {
        for item in &self.items {
            match item {
                Item::Field(f) => {
                    for a in &f.arguments {
                        collect_value_vars(&a.value, out);
                    }
                    for d in &f.directives {
                        for a in &d.arguments {
                            collect_value_vars(&a.value, out);
                        }
                    }
                    if let Some(s) = &f.selection {
                        s.variables(out);
                    }
                }
                Item::Fragment(fr) => {
                    for d in &fr.directives {
                        for a in &d.arguments {
                            collect_value_vars(&a.value, out);
                        }
                    }
                    fr.selection.variables(out);
                }
            }
        }
    }

    /// Compact GraphQL text of the selection set, braces included.
    pub fn write(&self, out: &mut String) {
        out.push('{');
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match item {
                Item::Field(f) => {
                    if let Some(alias) = &f.alias {
                        let _ = write!(out, "{alias}:");
                    }
                    out.push_str(&f.name);
                    if !f.arguments.is_empty() {
                        out.push('(');
                        for (j, a) in f.arguments.iter().enumerate() {
                            if j > 0 {
                                out.push_str(", ");
                            }
                            let _ = write!(out, "{}: {}", a.name, a.value);
                        }
                        out.push(')');
                    }
                    for d in &f.directives {
                        let _ = write!(out, " {d}");
                    }
                    if let Some(s) = &f.selection {
                        out.push(' ');
                        s.write(out);
                    }
                }
                Item::Fragment(fr) => {
                    out.push_str("...");
                    if let Some(t) = &fr.type_condition {
                        let _ = write!(out, " on {t}");
                    }
                    for d in &fr.directives {
                        let _ = write!(out, " {d}");
                    }
                    out.push(' ');
                    fr.selection.write(out);
                }
            }
        }
        out.push('}');
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

fn collect_value_vars(value: &apollo_compiler::ast::Value, out: &mut Vec<Name>) {
    use apollo_compiler::ast::Value;
    match value {
        Value::Variable(v) if !out.contains(v) => out.push(v.clone()),
        Value::List(items) => items.iter().for_each(|v| collect_value_vars(v, out)),
        Value::Object(fields) => fields.iter().for_each(|(_, v)| collect_value_vars(v, out)),
        _ => {}
    }
}

/// The prefix of internal aliases for same-key fields of different types.
pub const CONFLICT_ALIAS_PREFIX: &str = "tqc";

impl Selection {
    /// Gives fields an internal alias (`tqc<n>__<key>`) where one selection level holds
    /// the same response key with different types in different fragments, which the
    /// subgraph would refuse. Returns whether any alias was added.
    pub fn alias_type_conflicts(&mut self) -> bool {
        let mut seen = std::collections::HashMap::new();
        let mut counter = 0usize;
        self.alias_level(&mut seen, &mut counter)
    }

    fn alias_level(
        &mut self,
        seen: &mut std::collections::HashMap<Name, String>,
        counter: &mut usize,
    ) -> bool {
        let mut changed = false;
        for item in &mut self.items {
            match item {
                Item::Field(f) => {
                    if let Some(ty) = &f.output_type {
                        let key = f.response_key().clone();
                        match seen.get(&key) {
                            None => {
                                seen.insert(key, ty.clone());
                            }
                            Some(first) if first != ty => {
                                *counter += 1;
                                if let Ok(alias) =
                                    Name::new(&format!("{CONFLICT_ALIAS_PREFIX}{counter}__{key}"))
                                {
                                    f.alias = Some(alias);
                                    changed = true;
                                }
                            }
                            Some(_) => {}
                        }
                    }
                    if let Some(sub) = &mut f.selection {
                        let mut inner = std::collections::HashMap::new();
                        changed |= sub.alias_level(&mut inner, counter);
                    }
                }
                Item::Fragment(fr) => changed |= fr.selection.alias_level(seen, counter),
            }
        }
        changed
    }
}

/// The response key an internal conflict alias stands for, if `key` is one.
pub fn unalias(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(CONFLICT_ALIAS_PREFIX)?;
    let (digits, original) = rest.split_once("__")?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(original)
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{Name, ast::DirectiveList};

    use super::*;

    fn field(name: &'static str, ty: &str) -> FieldItem {
        FieldItem {
            alias: None,
            name: Name::new_static_unchecked(name),
            arguments: Vec::new(),
            directives: DirectiveList::new(),
            selection: None,
            output_type: Some(ty.to_owned()),
        }
    }

    #[test]
    fn same_key_fields_of_different_types_get_internal_aliases() {
        let mut selection = Selection::default();
        selection
            .fragment_entry(
                Some(Name::new_static_unchecked("User")),
                DirectiveList::new(),
            )
            .field_entry(field("id", "ID!"));
        selection
            .fragment_entry(
                Some(Name::new_static_unchecked("Admin")),
                DirectiveList::new(),
            )
            .field_entry(field("id", "ID"));
        assert!(selection.alias_type_conflicts());
        assert_eq!(
            selection.to_string(),
            "{... on User {id} ... on Admin {tqc1__id:id}}"
        );
        assert_eq!(unalias("tqc1__id"), Some("id"));
        assert_eq!(unalias("tqcx__id"), None);
        assert_eq!(unalias("id"), None);

        let mut same = Selection::default();
        same.fragment_entry(
            Some(Name::new_static_unchecked("User")),
            DirectiveList::new(),
        )
        .field_entry(field("id", "ID!"));
        same.fragment_entry(
            Some(Name::new_static_unchecked("Admin")),
            DirectiveList::new(),
        )
        .field_entry(field("id", "ID!"));
        assert!(!same.alias_type_conflicts(), "equal types need no alias");
    }
}
