//! The operations the generator builds and the minimizer shrinks: a small tree of our
//! own (not apollo-compiler's AST) so that removing a selection, a directive or an
//! argument is a plain `Vec::remove`, and printing is deterministic.
//!
//! Only what the fuzzer generates is modelled: queries, literal arguments, `Boolean!`
//! variables used by `@skip`/`@include`, inline fragments and named fragments.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// A query operation with its named fragments and its variables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Operation {
    /// The selections on the query root.
    pub selections: Vec<Selection>,
    /// Named fragments, in order of definition. Only those reachable from
    /// `selections` are printed (the minimizer may leave others behind).
    pub fragments: Vec<Fragment>,
    /// `$name: Boolean!` variables and their values. Only those used by a printed
    /// selection are declared and sent.
    pub variables: Vec<(String, bool)>,
}

/// `fragment name on Type { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Its name.
    pub name: String,
    /// Its type condition.
    pub on: String,
    /// Its selections.
    pub selections: Vec<Selection>,
}

/// One selection.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `alias: name(args) @dirs { … }`.
    Field(Field),
    /// `... on Type @dirs { … }` (or without a type condition).
    Inline(InlineFragment),
    /// `...Name @dirs`.
    Spread(Spread),
}

/// A field selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Its alias, if any.
    pub alias: Option<String>,
    /// The field's name (`__typename` included).
    pub name: String,
    /// Literal arguments, in the schema's order.
    pub arguments: Vec<Argument>,
    /// `@skip`/`@include`.
    pub conditions: Vec<Condition>,
    /// Sub-selections (empty for leaves).
    pub selections: Vec<Selection>,
}

impl Field {
    /// The key of this field in the response.
    pub fn response_key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// An argument with a literal value.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The argument's name.
    pub name: String,
    /// The value as GraphQL text (`"p1"`, `3`, `RED`, `{ a: 1 }`).
    pub value: String,
}

/// An inline fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineFragment {
    /// The type condition; `None` for `... { }`.
    pub on: Option<String>,
    /// `@skip`/`@include`.
    pub conditions: Vec<Condition>,
    /// Its selections.
    pub selections: Vec<Selection>,
}

/// A named fragment spread.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    /// The fragment's name.
    pub fragment: String,
    /// `@skip`/`@include`.
    pub conditions: Vec<Condition>,
}

/// `@skip(if: …)` or `@include(if: …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// `true` for `@include`, `false` for `@skip`.
    pub include: bool,
    /// Its `if` argument.
    pub value: ConditionValue,
}

/// The `if` argument of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValue {
    /// `true` or `false`.
    Literal(bool),
    /// `$name`, a `Boolean!` variable of the operation.
    Variable(String),
}

impl Operation {
    /// The fragment with this name.
    pub fn fragment(&self, name: &str) -> Option<&Fragment> {
        self.fragments.iter().find(|f| f.name == name)
    }

    /// The indexes of the fragments reachable from the operation's selections, in
    /// order of definition.
    pub fn reachable_fragments(&self) -> Vec<usize> {
        let mut seen = vec![false; self.fragments.len()];
        let mut stack: Vec<&[Selection]> = vec![&self.selections];
        while let Some(selections) = stack.pop() {
            for_each_spread(selections, &mut |name| {
                if let Some(i) = self.fragments.iter().position(|f| f.name == name)
                    && !seen[i]
                {
                    seen[i] = true;
                    stack.push(&self.fragments[i].selections);
                }
            });
        }
        (0..self.fragments.len()).filter(|&i| seen[i]).collect()
    }

    /// The variables used by printed selections, in declaration order.
    pub fn used_variables(&self) -> Vec<(&str, bool)> {
        let mut used: Vec<String> = Vec::new();
        let mut collect = |selections: &[Selection]| {
            for_each_condition(selections, &mut |condition| {
                if let ConditionValue::Variable(name) = &condition.value
                    && !used.contains(name)
                {
                    used.push(name.clone());
                }
            });
        };
        collect(&self.selections);
        for i in self.reachable_fragments() {
            collect(&self.fragments[i].selections);
        }
        self.variables
            .iter()
            .filter(|(name, _)| used.contains(name))
            .map(|(name, value)| (name.as_str(), *value))
            .collect()
    }

    /// The `variables` object sent with the operation.
    pub fn variables_json(&self) -> Value {
        Value::Object(
            self.used_variables()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), Value::Bool(value)))
                .collect::<Map<String, Value>>(),
        )
    }

    /// The operation as GraphQL text, indented two spaces a level.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let variables = self.used_variables();
        if variables.is_empty() {
            out.push('{');
        } else {
            out.push_str("query(");
            for (i, (name, _)) in variables.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "${name}: Boolean!");
            }
            out.push_str(") {");
        }
        write_selections(&mut out, &self.selections, 1);
        out.push_str("\n}\n");
        for i in self.reachable_fragments() {
            let fragment = &self.fragments[i];
            let _ = write!(out, "\nfragment {} on {} {{", fragment.name, fragment.on);
            write_selections(&mut out, &fragment.selections, 1);
            out.push_str("\n}\n");
        }
        out
    }

    /// How many selections, conditions and arguments it has: the minimizer's measure.
    pub fn size(&self) -> usize {
        let mut size = 0;
        let mut stack: Vec<&[Selection]> = vec![&self.selections];
        for i in self.reachable_fragments() {
            stack.push(&self.fragments[i].selections);
        }
        while let Some(selections) = stack.pop() {
            for selection in selections {
                size += 1;
                match selection {
                    Selection::Field(field) => {
                        size += field.conditions.len() + field.arguments.len();
                        size += usize::from(field.alias.is_some());
                        stack.push(&field.selections);
                    }
                    Selection::Inline(inline) => {
                        size += inline.conditions.len();
                        stack.push(&inline.selections);
                    }
                    Selection::Spread(spread) => size += spread.conditions.len(),
                }
            }
        }
        size
    }
}

fn for_each_spread<'a>(selections: &'a [Selection], f: &mut impl FnMut(&'a str)) {
    for selection in selections {
        match selection {
            Selection::Field(field) => for_each_spread(&field.selections, f),
            Selection::Inline(inline) => for_each_spread(&inline.selections, f),
            Selection::Spread(spread) => f(&spread.fragment),
        }
    }
}

fn for_each_condition(selections: &[Selection], f: &mut impl FnMut(&Condition)) {
    for selection in selections {
        match selection {
            Selection::Field(field) => {
                field.conditions.iter().for_each(&mut *f);
                for_each_condition(&field.selections, f);
            }
            Selection::Inline(inline) => {
                inline.conditions.iter().for_each(&mut *f);
                for_each_condition(&inline.selections, f);
            }
            Selection::Spread(spread) => spread.conditions.iter().for_each(&mut *f),
        }
    }
}

fn write_selections(out: &mut String, selections: &[Selection], level: usize) {
    for selection in selections {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
        match selection {
            Selection::Field(field) => {
                if let Some(alias) = &field.alias {
                    let _ = write!(out, "{alias}: ");
                }
                out.push_str(&field.name);
                if !field.arguments.is_empty() {
                    out.push('(');
                    for (i, argument) in field.arguments.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        let _ = write!(out, "{}: {}", argument.name, argument.value);
                    }
                    out.push(')');
                }
                write_conditions(out, &field.conditions);
                write_block(out, &field.selections, level);
            }
            Selection::Inline(inline) => {
                out.push_str("...");
                if let Some(on) = &inline.on {
                    let _ = write!(out, " on {on}");
                }
                write_conditions(out, &inline.conditions);
                // An inline fragment always has a block, even an (invalid) empty one.
                out.push_str(" {");
                write_selections(out, &inline.selections, level + 1);
                out.push('\n');
                for _ in 0..level {
                    out.push_str("  ");
                }
                out.push('}');
            }
            Selection::Spread(spread) => {
                let _ = write!(out, "...{}", spread.fragment);
                write_conditions(out, &spread.conditions);
            }
        }
    }
}

fn write_block(out: &mut String, selections: &[Selection], level: usize) {
    if selections.is_empty() {
        return;
    }
    out.push_str(" {");
    write_selections(out, selections, level + 1);
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
    out.push('}');
}

fn write_conditions(out: &mut String, conditions: &[Condition]) {
    for condition in conditions {
        let name = if condition.include { "include" } else { "skip" };
        match &condition.value {
            ConditionValue::Literal(value) => {
                let _ = write!(out, " @{name}(if: {value})");
            }
            ConditionValue::Variable(variable) => {
                let _ = write!(out, " @{name}(if: ${variable})");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, selections: Vec<Selection>) -> Selection {
        Selection::Field(Field {
            alias: None,
            name: name.to_owned(),
            arguments: Vec::new(),
            conditions: Vec::new(),
            selections,
        })
    }

    #[test]
    fn prints_only_what_is_reachable() {
        let operation = Operation {
            selections: vec![
                Selection::Inline(InlineFragment {
                    on: None,
                    conditions: vec![Condition {
                        include: true,
                        value: ConditionValue::Variable("v0".into()),
                    }],
                    selections: vec![field("me", vec![field("id", Vec::new())])],
                }),
                Selection::Spread(Spread {
                    fragment: "F0".into(),
                    conditions: Vec::new(),
                }),
            ],
            fragments: vec![
                Fragment {
                    name: "F0".into(),
                    on: "Query".into(),
                    selections: vec![field("__typename", Vec::new())],
                },
                Fragment {
                    name: "F1".into(),
                    on: "Query".into(),
                    selections: vec![field("__typename", Vec::new())],
                },
            ],
            variables: vec![("v0".into(), true), ("v1".into(), false)],
        };
        assert_eq!(
            operation.to_text(),
            "query($v0: Boolean!) {\n  ... @include(if: $v0) {\n    me {\n      id\n    }\n  }\n  \
             ...F0\n}\n\nfragment F0 on Query {\n  __typename\n}\n"
        );
        assert_eq!(operation.variables_json(), serde_json::json!({"v0": true}));
    }
}
