//! What more than one contract test reads of the committed supergraph.

use std::collections::HashMap;

use apollo_compiler::Schema;

/// The supergraph's `join__Graph` values (`USERS`) and the subgraph names they stand
/// for (`users`).
pub fn graph_names(schema: &Schema) -> HashMap<String, String> {
    schema
        .get_enum("join__Graph")
        .expect("join__Graph")
        .values
        .iter()
        .filter_map(|(value, def)| {
            let graph = def.directives.get("join__graph")?;
            let name = graph.specified_argument_by_name("name")?.as_str()?;
            Some((value.to_string(), name.to_owned()))
        })
        .collect()
}
