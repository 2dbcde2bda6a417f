//! One subgraph served from recorded data: its SDL, its executable schema, what it
//! answered and its entities by representation.

use super::{
    data::{EntityIndex, SubgraphData},
    error::ReplayError,
    schema::SubgraphSchema,
};

/// One subgraph served from recorded data.
#[derive(Debug)]
pub struct ReplaySubgraph {
    /// Its name in the supergraph.
    pub name: String,
    /// The SDL it answered to `_service { sdl }` (and answers again).
    pub sdl: String,
    /// Its executable schema.
    pub schema: SubgraphSchema,
    /// What it answered.
    pub data: SubgraphData,
    /// Its entities by representation.
    pub index: EntityIndex,
}

impl ReplaySubgraph {
    /// Subgraph `name` with SDL `sdl` answering from `data`.
    pub fn new(name: &str, sdl: String, data: SubgraphData) -> Result<Self, ReplayError> {
        let schema = SubgraphSchema::from_sdl(name, &sdl)?;
        let index = EntityIndex::new(&data, &schema.keys);
        Ok(Self {
            name: name.to_owned(),
            sdl,
            schema,
            data,
            index,
        })
    }
}
