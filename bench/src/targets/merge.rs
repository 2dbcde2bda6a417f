//! Merging subgraph answers (`Value::merge`, `Value::merge_ref`, what the executor
//! does with every fetch's data): any data tree, split into two partial answers as two
//! fetches would return it, merges back into itself, in either order of arrival, by
//! value or by reference.
//!
//! The input's first byte says how many of the following bytes steer the split; the
//! rest is the JSON text of the tree.

use tessera_router::executor::tree::{self, Map, Value};

/// Runs the target on `input`.
pub fn run(input: &[u8]) {
    let Some((&count, rest)) = input.split_first() else {
        return;
    };
    let (steer, text) = rest.split_at(usize::from(count).min(rest.len()));
    let Ok(whole) = tree::from_slice(text) else {
        return;
    };
    let mut choices = Choices { steer, at: 0 };
    let (a, b) = split(&whole, &mut choices);
    for (first, second) in [(&a, &b), (&b, &a)] {
        let mut merged = first.clone();
        merged.merge(second.clone());
        assert_eq!(merged, whole, "merge of {first:?} and {second:?}");
        let mut by_ref = first.clone();
        by_ref.merge_ref(second);
        assert_eq!(by_ref, whole, "merge_ref of {first:?} and {second:?}");
    }
}

/// Where each member of an object goes.
#[derive(Clone, Copy)]
enum Side {
    First,
    Second,
    /// Both, each with part of it (objects and lists) or all of it (anything else).
    Both,
}

struct Choices<'a> {
    steer: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn side(&mut self) -> Side {
        let byte = if self.steer.is_empty() {
            self.at as u8
        } else {
            self.steer[self.at % self.steer.len()]
        };
        self.at += 1;
        match byte % 3 {
            0 => Side::First,
            1 => Side::Second,
            _ => Side::Both,
        }
    }
}

/// Two partial answers that together make `whole`: objects' members shared out, lists
/// split item by item (both answers list every item, as two fetches of the same list
/// do), leaves in one answer or both.
fn split<'a>(whole: &Value<'a>, choices: &mut Choices<'_>) -> (Value<'a>, Value<'a>) {
    match whole {
        Value::Object(map) => {
            let (mut a, mut b) = (Map::new(), Map::new());
            for (key, value) in map.iter() {
                match choices.side() {
                    Side::First => {
                        a.insert(key.to_owned(), value.clone());
                    }
                    Side::Second => {
                        b.insert(key.to_owned(), value.clone());
                    }
                    Side::Both => {
                        let (x, y) = split(value, choices);
                        a.insert(key.to_owned(), x);
                        b.insert(key.to_owned(), y);
                    }
                }
            }
            (Value::Object(a), Value::Object(b))
        }
        Value::Array(items) => {
            let (a, b) = items.iter().map(|item| split(item, choices)).unzip();
            (Value::Array(a), Value::Array(b))
        }
        leaf => (leaf.clone(), leaf.clone()),
    }
}
