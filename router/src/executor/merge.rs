//! Merging fetched results into the data tree: entities from the cache, and the
//! entities an `_entities` fetch answered, in one walk where the representations were
//! collected in order, else each to its addresses.

use super::{
    paths::{Address, get_mut, objects_mut, visit_objects},
    tree::Value,
};
use crate::{planner::PathSeg, supergraph::Supergraph};

/// Merges entities from the cache into every object that stands for them.
pub(super) fn merge_hits<'b>(data: &mut Value<'b>, hits: Vec<(Vec<Address<'_>>, Value<'b>)>) {
    for (addresses, entity) in hits {
        merge_entity(data, &addresses, entity);
    }
}

/// Merges the answered `entities` of one call into the objects its `paths` reach, in
/// one walk: `visits` says, per object in walk order, which entity is its own. When the
/// walk no longer meets the objects the representations were collected from (it
/// always should: merges only add fields), each entity goes to its `addresses`.
pub(super) fn merge_in_order<'b>(
    sg: &Supergraph,
    data: &mut Value<'b>,
    paths: &[Vec<PathSeg>],
    visits: &[Option<usize>],
    entities: &[Value<'b>],
    addresses: &[Vec<Address<'_>>],
) {
    // Each object copies what it lacks of its entity.
    let merge_into = |object: &mut Value<'b>, i: usize| {
        if let Some(entity) = entities.get(i) {
            object.merge_ref(entity);
        }
    };
    // Each object met once: one walk per path when there is one path (the usual case;
    // its objects are counted before anything merges), else counted by a walk first.
    let met = match paths {
        [_] => None,
        _ => {
            let mut met = 0;
            for path in paths {
                visit_objects(sg, data, path, &mut Vec::new(), &mut |_, _| met += 1);
            }
            Some(met)
        }
    };
    if met.is_none_or(|met| met == visits.len()) {
        let mut visit = visits.iter();
        for path in paths {
            let mut objects = Vec::with_capacity(visits.len());
            objects_mut(sg, data, path, &mut objects);
            if met.is_none() && objects.len() != visits.len() {
                break;
            }
            for (object, visit) in objects.into_iter().zip(&mut visit) {
                if let Some(i) = *visit {
                    merge_into(object, i);
                }
            }
        }
        if visit.len() == 0 {
            return;
        }
    }
    merge_each(data, entities, addresses);
}

/// Merges each of `entities` into the objects at its `addresses`.
pub(super) fn merge_each<'b>(
    data: &mut Value<'b>,
    entities: &[Value<'b>],
    addresses: &[Vec<Address<'_>>],
) {
    for (entity, addresses) in entities.iter().zip(addresses) {
        for address in addresses {
            if let Some(target) = get_mut(data, address) {
                target.merge_ref(entity);
            }
        }
    }
}

/// Merges `entity` into the object at each of `addresses`: the last takes the entity
/// itself, the others a copy.
pub(super) fn merge_entity<'b>(data: &mut Value<'b>, addresses: &[Address<'_>], entity: Value<'b>) {
    let Some((last, others)) = addresses.split_last() else {
        return;
    };
    for address in others {
        if let Some(target) = get_mut(data, address) {
            target.merge_ref(&entity);
        }
    }
    if let Some(target) = get_mut(data, last) {
        target.merge(entity);
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::response::JsonValue;

    use super::*;

    fn json(text: &str) -> JsonValue {
        serde_json::from_str(text).expect("valid JSON")
    }

    fn tree(text: &str) -> Value<'static> {
        Value::from_json(&json(text))
    }

    #[test]
    fn answers_merge_in_one_walk_and_by_address_when_the_walk_meets_other_objects() {
        use super::super::paths::Step;
        let sg = Supergraph::parse(include_str!("../../../bench/supergraph.graphql"))
            .expect("the bench supergraph loads");
        let top = apollo_compiler::Name::new("top").expect("a name");
        let more = apollo_compiler::Name::new("more").expect("a name");
        let top_path = vec![PathSeg::Key(top.clone()), PathSeg::List];
        let more_path = vec![PathSeg::Key(more.clone()), PathSeg::List];
        let at = |i: usize| vec![Step::Key(&top), Step::Index(i)];
        let more_at = |i: usize| vec![Step::Key(&more), Step::Index(i)];
        // Three products at `top`; the first and third stand for the same entity, the
        // second has no representation (a key was null). One more at `more`.
        let data =
            tree(r#"{"top": [{"upc": "1"}, {"upc": null}, {"upc": "1"}], "more": [{"upc": "1"}]}"#);
        let expected = tree(
            r#"{"top": [{"upc": "1", "name": "Table"}, {"upc": null}, {"upc": "1", "name": "Table"}], "more": [{"upc": "1"}]}"#,
        );
        let expected_both = tree(
            r#"{"top": [{"upc": "1", "name": "Table"}, {"upc": null}, {"upc": "1", "name": "Table"}], "more": [{"upc": "1", "name": "Table"}]}"#,
        );

        let merged =
            |paths: &[Vec<PathSeg>], visits: &[Option<usize>], from: &[Vec<Address<'_>>]| {
                let entities = [tree(r#"{"name": "Table"}"#)];
                let mut data = data.clone();
                merge_in_order(&sg, &mut data, paths, visits, &entities, from);
                data
            };
        let one = std::slice::from_ref(&top_path);
        let walk = [Some(0), None, Some(0)];
        assert_eq!(merged(one, &walk, &[vec![at(0), at(2)]]), expected);
        // The walk, not the addresses, decides where answers go (these would be wrong).
        assert_eq!(merged(one, &walk, &[vec![at(1), at(1)]]), expected);
        // Visits recorded for four objects where the walk meets three: by address.
        assert_eq!(
            merged(one, &[Some(0), None, None, Some(0)], &[vec![at(0), at(2)]]),
            expected
        );
        // Two paths: walked one after the other, or by address when the count differs.
        let two = [top_path.clone(), more_path.clone()];
        let from = [vec![at(0), at(2), more_at(0)]];
        assert_eq!(
            merged(
                &two,
                &[Some(0), None, Some(0), Some(0)],
                &[vec![at(1), at(1), at(1)]]
            ),
            expected_both
        );
        assert_eq!(
            merged(&two, &[Some(0), None, Some(0)], &from),
            expected_both
        );
    }
}
