//! Minimal cases: greedy delta debugging over an operation. Each step tries one edit
//! (remove a selection, turn a spread into an inline fragment, unwrap a fragment, drop
//! a condition, an argument, an alias or a type condition, turn a variable into its
//! value), keeps it when the operation still validates and, sent to both routers
//! again, still shows a difference of the same class, and starts over; it stops when
//! no edit is kept or the re-send budget is spent.

use std::collections::HashSet;

use super::{
    classify::signature,
    compare::{Answer, compare},
    operation::{ConditionValue, Field, InlineFragment, Operation, Selection},
    schema::Model,
    send::Targets,
};

/// A minimized operation with both answers to it.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The operation.
    pub operation: Operation,
    /// Our router's answer.
    pub ours: Answer,
    /// The reference router's.
    pub reference: Answer,
    /// Operations sent to both routers on the way.
    pub resends: usize,
}

/// Shrinks `operation` while its difference keeps the class `class`.
pub async fn minimize(
    model: &Model,
    targets: &Targets,
    start: Minimized,
    class: &str,
    budget: usize,
) -> Minimized {
    let mut current = start;
    let mut tried = HashSet::new();
    // After a kept edit the next pass starts where that one was: the edits before it
    // failed a moment ago and mostly still would. A pass from the start ends it all.
    let mut from = 0;
    'shrink: loop {
        for (index, edit) in edits(&current.operation).into_iter().enumerate().skip(from) {
            let Some(candidate) = apply(&current.operation, &edit) else {
                continue;
            };
            let text = candidate.to_text();
            let variables = candidate.variables_json();
            if !tried.insert(format!("{text}\n{variables}")) || model.validate(&text).is_err() {
                continue;
            }
            if current.resends >= budget {
                break 'shrink;
            }
            current.resends += 1;
            let (ours, reference) = targets.both(&text, &variables).await;
            let findings = compare(&ours, &reference);
            if signature(model, &candidate, &findings, &ours, &reference).as_deref() == Some(class)
            {
                current = Minimized {
                    operation: candidate,
                    ours,
                    reference,
                    resends: current.resends,
                };
                from = index;
                continue 'shrink;
            }
        }
        if from == 0 {
            break;
        }
        from = 0;
    }
    current.operation = tidy(current.operation);
    current
}

/// Where a selection is: in the operation or in a fragment, then child indexes.
#[derive(Debug, Clone)]
struct Address {
    fragment: Option<usize>,
    path: Vec<usize>,
}

#[derive(Debug, Clone)]
enum Edit {
    Remove(Address),
    InlineSpread(Address),
    Unwrap(Address),
    RemoveCondition(Address, usize),
    LiteralCondition(Address, usize),
    RemoveArgument(Address, usize),
    RemoveAlias(Address),
    DropTypeCondition(Address),
}

/// Every edit of an operation, those that remove most first.
fn edits(operation: &Operation) -> Vec<Edit> {
    let mut nodes: Vec<(Address, &Selection)> = Vec::new();
    let mut roots = vec![(None, &operation.selections)];
    roots.extend(
        operation
            .reachable_fragments()
            .into_iter()
            .map(|i| (Some(i), &operation.fragments[i].selections)),
    );
    // Breadth first: removing a selection near the root removes its whole subtree.
    let mut queue: Vec<(Address, &Selection)> = Vec::new();
    for (fragment, selections) in roots {
        for (i, selection) in selections.iter().enumerate() {
            let address = Address {
                fragment,
                path: vec![i],
            };
            queue.push((address, selection));
        }
    }
    let mut next = 0;
    while next < queue.len() {
        let (address, selection) = queue[next].clone();
        next += 1;
        let children = match selection {
            Selection::Field(field) => field.selections.as_slice(),
            Selection::Inline(inline) => inline.selections.as_slice(),
            Selection::Spread(_) => &[],
        };
        for (i, child) in children.iter().enumerate() {
            let mut path = address.path.clone();
            path.push(i);
            queue.push((
                Address {
                    fragment: address.fragment,
                    path,
                },
                child,
            ));
        }
        nodes.push((address, selection));
    }
    let mut out: Vec<Edit> = nodes.iter().map(|(a, _)| Edit::Remove(a.clone())).collect();
    for (address, selection) in &nodes {
        match selection {
            Selection::Spread(_) => out.push(Edit::InlineSpread(address.clone())),
            Selection::Inline(_) => out.push(Edit::Unwrap(address.clone())),
            Selection::Field(_) => {}
        }
    }
    for (address, selection) in &nodes {
        let (conditions, arguments, alias, typed) = match selection {
            Selection::Field(f) => (&f.conditions, f.arguments.len(), f.alias.is_some(), false),
            Selection::Inline(i) => (&i.conditions, 0, false, i.on.is_some()),
            Selection::Spread(s) => (&s.conditions, 0, false, false),
        };
        for (k, condition) in conditions.iter().enumerate() {
            out.push(Edit::RemoveCondition(address.clone(), k));
            if matches!(condition.value, ConditionValue::Variable(_)) {
                out.push(Edit::LiteralCondition(address.clone(), k));
            }
        }
        for k in 0..arguments {
            out.push(Edit::RemoveArgument(address.clone(), k));
        }
        if alias {
            out.push(Edit::RemoveAlias(address.clone()));
        }
        if typed {
            out.push(Edit::DropTypeCondition(address.clone()));
        }
    }
    out
}

/// The list holding the addressed selection, and its index there.
fn slot<'a>(
    operation: &'a mut Operation,
    address: &Address,
) -> Option<(&'a mut Vec<Selection>, usize)> {
    let (last, parents) = address.path.split_last()?;
    let mut list = match address.fragment {
        None => &mut operation.selections,
        Some(i) => &mut operation.fragments.get_mut(i)?.selections,
    };
    for &i in parents {
        list = match list.get_mut(i)? {
            Selection::Field(field) => &mut field.selections,
            Selection::Inline(inline) => &mut inline.selections,
            Selection::Spread(_) => return None,
        };
    }
    (*last < list.len()).then_some((list, *last))
}

fn apply(operation: &Operation, edit: &Edit) -> Option<Operation> {
    let mut out = operation.clone();
    let variables = operation.variables.clone();
    let fragments = operation.fragments.clone();
    match edit {
        Edit::Remove(address) => {
            let (list, i) = slot(&mut out, address)?;
            list.remove(i);
        }
        Edit::InlineSpread(address) => {
            let (list, i) = slot(&mut out, address)?;
            let Selection::Spread(spread) = &list[i] else {
                return None;
            };
            let fragment = fragments.iter().find(|f| f.name == spread.fragment)?;
            list[i] = Selection::Inline(InlineFragment {
                on: Some(fragment.on.clone()),
                conditions: spread.conditions.clone(),
                selections: fragment.selections.clone(),
            });
        }
        Edit::Unwrap(address) => {
            let (list, i) = slot(&mut out, address)?;
            let Selection::Inline(inline) = list.remove(i) else {
                return None;
            };
            list.splice(i..i, inline.selections);
        }
        Edit::RemoveCondition(address, k) | Edit::LiteralCondition(address, k) => {
            let (list, i) = slot(&mut out, address)?;
            let conditions = match &mut list[i] {
                Selection::Field(f) => &mut f.conditions,
                Selection::Inline(f) => &mut f.conditions,
                Selection::Spread(s) => &mut s.conditions,
            };
            if matches!(edit, Edit::RemoveCondition(..)) {
                conditions.remove(*k);
            } else {
                let condition = conditions.get_mut(*k)?;
                let ConditionValue::Variable(name) = &condition.value else {
                    return None;
                };
                let value = variables.iter().find(|(n, _)| n == name)?.1;
                condition.value = ConditionValue::Literal(value);
            }
        }
        Edit::RemoveArgument(address, k) => {
            let field = field_at(&mut out, address)?;
            (*k < field.arguments.len()).then(|| field.arguments.remove(*k))?;
        }
        Edit::RemoveAlias(address) => field_at(&mut out, address)?.alias = None,
        Edit::DropTypeCondition(address) => {
            let (list, i) = slot(&mut out, address)?;
            let Selection::Inline(inline) = &mut list[i] else {
                return None;
            };
            inline.on = None;
        }
    }
    Some(out)
}

fn field_at<'a>(operation: &'a mut Operation, address: &Address) -> Option<&'a mut Field> {
    let (list, i) = slot(operation, address)?;
    match &mut list[i] {
        Selection::Field(field) => Some(field),
        _ => None,
    }
}

/// Drops the fragments and variables nothing uses any more.
fn tidy(mut operation: Operation) -> Operation {
    let reachable = operation.reachable_fragments();
    let used: Vec<String> = operation
        .used_variables()
        .into_iter()
        .map(|(name, _)| name.to_owned())
        .collect();
    operation.fragments = reachable
        .into_iter()
        .map(|i| operation.fragments[i].clone())
        .collect();
    operation.variables.retain(|(name, _)| used.contains(name));
    operation
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::{generate::Generator, rng::Rng, values::Pool};

    #[test]
    fn every_edit_applies_and_most_keep_the_operation_valid() {
        let model = Model::parse(
            "type Query { a(x: Int): A u: U } type A { id: ID! b: A n: Int }
             type B { id: ID! } union U = A | B",
        )
        .expect("the test schema is valid");
        let generator = Generator::new(&model, 3);
        let pool = Pool::default();
        let (mut valid, mut total) = (0, 0);
        for seed in 0..50 {
            let operation = generator.generate(Rng::for_operation(seed, 0), &pool, false);
            for edit in edits(&operation) {
                let edited = apply(&operation, &edit).expect("an edit of the operation applies");
                assert_ne!(edited, operation, "{edit:?} changed nothing");
                total += 1;
                valid += usize::from(model.validate(&edited.to_text()).is_ok());
            }
        }
        assert!(
            valid * 2 > total,
            "{valid} of {total} edits keep the operation valid"
        );
    }
}
