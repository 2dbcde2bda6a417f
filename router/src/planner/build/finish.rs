//! Finishing (`PLANNER.md`, "Merging fetches"): the drafts merged into the fewest
//! fetches that cost no extra wave, and each written as the operation a subgraph is
//! sent.

use apollo_compiler::{Name, ast::OperationType, executable::Operation};

use super::{Builder, Draft};
use crate::planner::{
    plan::{EntityCall, Fetch, Plan},
    selection::Selection,
};

impl Builder<'_> {
    pub(super) fn finish(self, operation: &Operation) -> Plan {
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
pub(super) fn merge_groups(drafts: &[Draft], defer: bool) -> Vec<Vec<usize>> {
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
pub(super) fn levels(drafts: &[Draft]) -> Option<Vec<usize>> {
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
pub(super) fn build_fetch(
    id: usize,
    members: Vec<Draft>,
    fetch_of: &[usize],
    operation: &Operation,
) -> Fetch {
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
