//! The generator: random valid query operations over an API schema, reproducible from
//! a seed and the pool of harvested values.
//!
//! Validity is kept by construction where the rules are local (fields of the parent
//! type, required arguments, possible type conditions, no fragment cycles, declared
//! variables) and by a *scope* per response object for the one global rule, that
//! fields sharing a response key must merge: a key is reused only with the same field,
//! the same arguments and the same type, and then its sub-selections go to the same
//! sub-scope. A named fragment is spread again only where its fields merge into the
//! scope. The rule is applied more strictly than the spec (parent types are never
//! assumed exclusive), so a few valid operations are never generated, and every
//! operation is still validated by apollo-compiler before it is sent.

use apollo_compiler::ast::FieldDefinition;

use super::{
    operation::{
        Argument, Condition, ConditionValue, Field, Fragment, InlineFragment, Operation, Selection,
        Spread,
    },
    rng::Rng,
    schema::Model,
    values::{ArgumentSite, Pool, literal},
};

/// The most named fragments in one operation.
const MAX_FRAGMENTS: usize = 3;
/// Fragments nested in fragments without a field in between.
const MAX_FRAGMENT_NESTING: usize = 2;
/// Roughly the most selections in one operation.
const SELECTION_BUDGET: usize = 32;
/// Aliases chosen freely (not forced by a key clash) in one operation. With fragments
/// spread twice, operations stay under our router's default limits (30 aliases, 20
/// root fields): a refusal for size says nothing about planning.
const ALIAS_BUDGET: usize = 12;

/// Builds operations over one schema.
pub struct Generator<'m> {
    model: &'m Model,
    max_depth: usize,
}

impl<'m> Generator<'m> {
    /// A generator of operations at most `max_depth` fields deep.
    pub fn new(model: &'m Model, max_depth: usize) -> Self {
        Self {
            model,
            max_depth: max_depth.max(1),
        }
    }

    /// One operation. In `warmup`, fields with required arguments are avoided where
    /// others exist and optional arguments are left out: the answers fill the pool.
    pub fn generate(&self, rng: Rng, pool: &Pool, warmup: bool) -> Operation {
        let mut build = Build {
            model: self.model,
            pool,
            rng,
            warmup,
            max_depth: self.max_depth,
            fragments: Vec::new(),
            complete: Vec::new(),
            variables: Vec::new(),
            aliases: 0,
            budget: SELECTION_BUDGET,
        };
        let mut scope = Scope::default();
        let query = self.model.query.to_string();
        let selections = build.selection_set(&query, 1, &mut scope, 0, None);
        Operation {
            selections,
            fragments: build.fragments,
            variables: build.variables,
        }
    }
}

/// The response keys of one response object so far.
#[derive(Debug, Clone, Default)]
struct Scope {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    /// The type the field was selected on.
    parent: String,
    name: String,
    arguments: Vec<Argument>,
    /// The field's type as written in the schema (`[Book!]`).
    ty: String,
    child: Scope,
}

impl Scope {
    fn find(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    /// The entry for `key` with this signature: the existing one, a new one, or
    /// `None` when the key is taken by another field.
    fn claim(
        &mut self,
        key: &str,
        parent: &str,
        name: &str,
        arguments: &[Argument],
        ty: &str,
    ) -> Option<usize> {
        match self.find(key) {
            Some(i) => {
                let e = &self.entries[i];
                (e.name == name && e.arguments == arguments && e.ty == ty).then_some(i)
            }
            None => {
                self.entries.push(Entry {
                    key: key.to_owned(),
                    parent: parent.to_owned(),
                    name: name.to_owned(),
                    arguments: arguments.to_vec(),
                    ty: ty.to_owned(),
                    child: Scope::default(),
                });
                Some(self.entries.len() - 1)
            }
        }
    }
}

struct Build<'g> {
    model: &'g Model,
    pool: &'g Pool,
    rng: Rng,
    warmup: bool,
    max_depth: usize,
    fragments: Vec<Fragment>,
    /// Whether each fragment's selections are written (a fragment being written may
    /// not be spread: that would be a cycle).
    complete: Vec<bool>,
    variables: Vec<(String, bool)>,
    aliases: usize,
    budget: usize,
}

impl Build<'_> {
    fn selection_set(
        &mut self,
        parent: &str,
        depth: usize,
        scope: &mut Scope,
        nesting: usize,
        echo: Option<Condition>,
    ) -> Vec<Selection> {
        if depth > self.max_depth || self.budget == 0 {
            return vec![self.typename(scope, false)];
        }
        let most = if depth >= 3 { 2 } else { 4 };
        let n = self.rng.between(1, most);
        let union = self.model.is_union(parent);
        let mut out = Vec::new();
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            let roll = self.rng.below(100);
            let fragments_allowed = nesting < MAX_FRAGMENT_NESTING;
            let (field, typename, inline) = if union { (0, 20, 75) } else { (62, 70, 86) };
            if roll < field {
                if let Some(mut fields) = self.field(parent, depth, scope) {
                    out.append(&mut fields);
                    continue;
                }
            } else if roll >= inline && fragments_allowed {
                if let Some(spread) = self.spread(parent, depth, scope, nesting) {
                    out.push(spread);
                    continue;
                }
            } else if roll >= typename && fragments_allowed {
                out.push(self.inline(parent, depth, scope, nesting));
                continue;
            }
            out.push(self.typename(scope, true));
        }
        if out.is_empty() {
            out.push(self.typename(scope, false));
        }
        if let Some(echo) = echo
            && let Some(Selection::Field(first)) = out.first_mut()
            && !first.conditions.iter().any(|c| c.include == echo.include)
        {
            first.conditions.push(echo);
        }
        out
    }

    fn typename(&mut self, scope: &mut Scope, decorate: bool) -> Selection {
        let mut alias = (decorate && self.may_alias() && self.rng.chance(0.25))
            .then(|| self.fresh_alias(scope));
        let key = alias.clone().unwrap_or_else(|| "__typename".to_owned());
        if scope
            .claim(&key, "", "__typename", &[], "String!")
            .is_none()
        {
            let fresh = self.fresh_alias(scope);
            scope.claim(&fresh, "", "__typename", &[], "String!");
            alias = Some(fresh);
        }
        let conditions = if decorate {
            self.conditions()
        } else {
            Vec::new()
        };
        Selection::Field(Field {
            alias,
            name: "__typename".to_owned(),
            arguments: Vec::new(),
            conditions,
            selections: Vec::new(),
        })
    }

    /// A field of `parent` (sometimes two: the same field under two aliases), or
    /// `None` when `parent` has no fields (a union).
    fn field(&mut self, parent: &str, depth: usize, scope: &mut Scope) -> Option<Vec<Selection>> {
        let model = self.model;
        let all: Vec<&FieldDefinition> = model
            .fields(parent)
            .into_iter()
            .filter(|f| !f.name.starts_with("__"))
            .collect();
        let mut candidates = all.clone();
        if self.warmup {
            let easy: Vec<_> = candidates
                .iter()
                .copied()
                .filter(|f| !f.arguments.iter().any(|a| is_required(a)))
                .collect();
            if !easy.is_empty() {
                candidates = easy;
            }
        }
        if depth >= self.max_depth {
            let leaves: Vec<_> = candidates
                .iter()
                .copied()
                .filter(|f| !model.is_composite(f.ty.inner_named_type()))
                .collect();
            if !leaves.is_empty() {
                candidates = leaves;
            }
        }
        // The same response key again, with the same field and arguments.
        if self.rng.chance(0.1) {
            let again: Vec<usize> = (0..scope.entries.len())
                .filter(|&i| scope.entries[i].parent == parent)
                .collect();
            if let Some(&i) = self.rng.pick(&again) {
                let entry = &scope.entries[i];
                let definition = all.iter().find(|f| f.name.as_str() == entry.name)?;
                let alias = (entry.key != entry.name).then(|| entry.key.clone());
                let arguments = entry.arguments.clone();
                let field = self.field_with(definition, alias, arguments, depth, scope, i);
                return Some(vec![field]);
            }
        }
        let definition = *self.rng.pick(&candidates)?;
        let mut out = Vec::new();
        let twice = self.may_alias() && self.rng.chance(0.08);
        for copy in 0..=usize::from(twice) {
            let arguments = self.arguments(definition);
            let free = self.may_alias() && self.rng.chance(0.2);
            let mut alias = (copy > 0 || free).then(|| self.fresh_alias(scope));
            let ty = definition.ty.to_string();
            let key = alias.clone().unwrap_or_else(|| definition.name.to_string());
            let index = match scope.claim(&key, parent, &definition.name, &arguments, &ty) {
                Some(i) => i,
                None => {
                    let fresh = self.fresh_alias(scope);
                    alias = Some(fresh.clone());
                    scope
                        .claim(&fresh, parent, &definition.name, &arguments, &ty)
                        .expect("a fresh alias is free")
                }
            };
            out.push(self.field_with(definition, alias, arguments, depth, scope, index));
        }
        Some(out)
    }

    fn field_with(
        &mut self,
        definition: &FieldDefinition,
        alias: Option<String>,
        arguments: Vec<Argument>,
        depth: usize,
        scope: &mut Scope,
        index: usize,
    ) -> Selection {
        let ty = definition.ty.inner_named_type().to_string();
        let selections = if self.model.is_composite(&ty) {
            self.selection_set(&ty, depth + 1, &mut scope.entries[index].child, 0, None)
        } else {
            Vec::new()
        };
        Selection::Field(Field {
            alias,
            name: definition.name.to_string(),
            arguments,
            conditions: self.conditions(),
            selections,
        })
    }

    fn inline(
        &mut self,
        parent: &str,
        depth: usize,
        scope: &mut Scope,
        nesting: usize,
    ) -> Selection {
        let on = if self.rng.chance(0.2) {
            None
        } else {
            Some(self.type_condition(parent))
        };
        let conditions = self.conditions();
        // `... @include(if: $v) { f @include(if: $v) { … } }`, as Apollo Client's
        // generated operations often read.
        let echo = conditions
            .first()
            .filter(|_| self.rng.chance(0.35))
            .cloned();
        let target = on.clone().unwrap_or_else(|| parent.to_owned());
        let selections = self.selection_set(&target, depth, scope, nesting + 1, echo);
        Selection::Inline(InlineFragment {
            on,
            conditions,
            selections,
        })
    }

    fn spread(
        &mut self,
        parent: &str,
        depth: usize,
        scope: &mut Scope,
        nesting: usize,
    ) -> Option<Selection> {
        let overlapping = self.model.overlapping(parent);
        let usable: Vec<usize> = (0..self.fragments.len())
            .filter(|&i| {
                self.complete[i]
                    && overlapping
                        .iter()
                        .any(|t| t.as_str() == self.fragments[i].on)
            })
            .collect();
        let start = self.rng.below(usable.len().max(1));
        let tries = if self.rng.chance(0.6) {
            usable.len()
        } else {
            0
        };
        for k in 0..tries {
            let i = usable[(start + k) % usable.len()];
            let mut trial = scope.clone();
            let fragment = &self.fragments[i];
            if self.merge(&mut trial, &fragment.on, &fragment.selections) {
                *scope = trial;
                let name = fragment.name.clone();
                return Some(Selection::Spread(Spread {
                    fragment: name,
                    conditions: self.conditions(),
                }));
            }
        }
        if self.fragments.len() >= MAX_FRAGMENTS {
            return None;
        }
        let on = self.type_condition(parent);
        let name = format!("F{}", self.fragments.len());
        self.fragments.push(Fragment {
            name: name.clone(),
            on: on.clone(),
            selections: Vec::new(),
        });
        self.complete.push(false);
        let index = self.fragments.len() - 1;
        let selections = self.selection_set(&on, depth, scope, nesting + 1, None);
        self.fragments[index].selections = selections;
        self.complete[index] = true;
        Some(Selection::Spread(Spread {
            fragment: name,
            conditions: self.conditions(),
        }))
    }

    /// Adds a fragment's fields to a scope, `false` where a key would not merge.
    fn merge(&self, scope: &mut Scope, parent: &str, selections: &[Selection]) -> bool {
        for selection in selections {
            let merged = match selection {
                Selection::Field(field) => {
                    let Some(definition) = self.model.field(parent, &field.name) else {
                        return false;
                    };
                    let ty = definition.ty.to_string();
                    let Some(i) = scope.claim(
                        field.response_key(),
                        parent,
                        &field.name,
                        &field.arguments,
                        &ty,
                    ) else {
                        return false;
                    };
                    let child = definition.ty.inner_named_type().as_str();
                    self.merge(&mut scope.entries[i].child, child, &field.selections)
                }
                Selection::Inline(inline) => {
                    let on = inline.on.as_deref().unwrap_or(parent);
                    self.merge(scope, on, &inline.selections)
                }
                Selection::Spread(spread) => {
                    match self.fragments.iter().find(|f| f.name == spread.fragment) {
                        Some(f) => self.merge(scope, &f.on, &f.selections),
                        None => false,
                    }
                }
            };
            if !merged {
                return false;
            }
        }
        true
    }

    /// A type condition for a fragment in a selection set on `parent`: the type
    /// itself, one of its possible types (which the value may well not be), or any
    /// type whose possible types overlap.
    fn type_condition(&mut self, parent: &str) -> String {
        let model = self.model;
        let roll = self.rng.below(100);
        if roll < 25 {
            return parent.to_owned();
        }
        if roll < 70 && model.is_abstract(parent) {
            let possible: Vec<_> = model
                .possible(parent)
                .map(|p| p.iter().collect())
                .unwrap_or_default();
            if let Some(ty) = self.rng.pick(&possible) {
                return ty.to_string();
            }
        }
        self.rng
            .pick(model.overlapping(parent))
            .map_or_else(|| parent.to_owned(), ToString::to_string)
    }

    fn arguments(&mut self, definition: &FieldDefinition) -> Vec<Argument> {
        let owner = definition.ty.inner_named_type().as_str();
        let mut out = Vec::new();
        for argument in &definition.arguments {
            if is_required(argument) || (!self.warmup && self.rng.chance(0.35)) {
                let site = ArgumentSite {
                    owner,
                    argument: argument.name.as_str(),
                };
                let value = literal(self.model, self.pool, &mut self.rng, &argument.ty, site, 0);
                out.push(Argument {
                    name: argument.name.to_string(),
                    value,
                });
            }
        }
        out
    }

    fn conditions(&mut self) -> Vec<Condition> {
        if !self.rng.chance(0.2) {
            return Vec::new();
        }
        let include = self.rng.chance(0.5);
        let mut out = vec![self.condition(include)];
        if self.rng.chance(0.1) {
            out.push(self.condition(!include));
        }
        out
    }

    fn condition(&mut self, include: bool) -> Condition {
        // Mostly keep what is conditioned: an operation that skips everything tests
        // little.
        let keep = self.rng.chance(0.7);
        let literal = if include { keep } else { !keep };
        let value = if self.rng.chance(0.5) {
            ConditionValue::Literal(literal)
        } else if !self.variables.is_empty() && self.rng.chance(0.4) {
            let i = self.rng.below(self.variables.len());
            ConditionValue::Variable(self.variables[i].0.clone())
        } else {
            let name = format!("v{}", self.variables.len());
            self.variables.push((name.clone(), literal));
            ConditionValue::Variable(name)
        };
        Condition { include, value }
    }

    fn may_alias(&self) -> bool {
        self.aliases < ALIAS_BUDGET
    }

    fn fresh_alias(&mut self, scope: &Scope) -> String {
        loop {
            let alias = format!("a{}", self.aliases);
            self.aliases += 1;
            if scope.find(&alias).is_none() {
                return alias;
            }
        }
    }
}

fn is_required(argument: &apollo_compiler::ast::InputValueDefinition) -> bool {
    argument.ty.is_non_null() && argument.default_value.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"
        type Query {
          node(id: ID!): Node
          nodes(first: Int = 10, kinds: [Kind!]): [Node!]!
          media(filter: MediaFilter): [Media]
          book(id: ID!): Book
          viewer: Viewer
          search(text: String!, limit: Int): [SearchResult!]!
        }
        interface Node { id: ID! }
        interface Titled { title: String }
        type Book implements Node & Titled { id: ID! title: String author: Person pages: Int }
        type Song implements Node & Titled { id: ID! title: String! length: Float artist: Person }
        type Movie { id: ID title: String }
        type Person implements Node { id: ID! name: String books(first: Int): [Book] }
        union Media = Book | Song | Movie
        union SearchResult = Book | Person
        type Viewer { me: Person media: [Media!] node: Node }
        enum Kind { BOOK SONG MOVIE }
        input MediaFilter { kind: Kind! titleLike: String nested: MediaFilter }
    "#;

    fn pool() -> Pool {
        let mut pool = Pool::default();
        pool.record("Book", "id", "ID", &serde_json::json!("b1"));
        pool.record("Person", "name", "String", &serde_json::json!("Ada"));
        pool.record("Book", "pages", "Int", &serde_json::json!(312));
        pool
    }

    #[test]
    fn every_generated_operation_validates() {
        let model = Model::parse(SCHEMA).expect("the test schema is valid");
        let pool = pool();
        for max_depth in [2, 4] {
            let generator = Generator::new(&model, max_depth);
            for seed in 0..1000 {
                let warmup = seed % 10 == 0;
                let operation = generator.generate(Rng::for_operation(seed, 0), &pool, warmup);
                let text = operation.to_text();
                if let Err(errors) = model.validate(&text) {
                    panic!("seed {seed}, depth {max_depth}: invalid\n{text}\n{errors}");
                }
            }
        }
    }

    #[test]
    fn the_generator_covers_the_constructs() {
        let model = Model::parse(SCHEMA).expect("the test schema is valid");
        let generator = Generator::new(&model, 4);
        let pool = pool();
        let texts: Vec<String> = (0..300)
            .map(|seed| {
                generator
                    .generate(Rng::for_operation(seed, 1), &pool, false)
                    .to_text()
            })
            .collect();
        let all = texts.join("\n");
        for construct in [
            "... on Book",
            "... {",
            "...F0",
            "fragment F1 on",
            "@include(if: $v",
            "@skip(if: true)",
            ": __typename",
            "\"b1\"",
            "kind: ",
        ] {
            assert!(all.contains(construct), "no operation has `{construct}`");
        }
        // The same response key twice, with the same field.
        assert!(texts.iter().any(|text| {
            let keys: Vec<&str> = text
                .lines()
                .filter_map(|l| l.trim().split_once(": ").map(|(k, _)| k))
                .filter(|k| k.starts_with('a') && !k.contains(' '))
                .collect();
            (1..keys.len()).any(|i| keys[..i].contains(&keys[i]))
        }));
    }

    /// Every supergraph (`*.graphql`) in `$FUZZ_SUPERGRAPHS`: how many of 1000
    /// operations apollo-compiler refuses (run by hand with `--ignored`).
    #[test]
    #[ignore = "needs supergraphs in $FUZZ_SUPERGRAPHS"]
    fn operations_over_real_supergraphs_validate() {
        let dir = std::env::var("FUZZ_SUPERGRAPHS").expect("FUZZ_SUPERGRAPHS names a folder");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("a readable folder")
            .map(|e| e.expect("a folder entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "graphql"))
            .collect();
        paths.sort();
        let mut refused = 0;
        for path in paths {
            let sdl = std::fs::read_to_string(&path).expect("a readable supergraph");
            let supergraph = match tessera_router::Supergraph::parse(&sdl) {
                Ok(supergraph) => supergraph,
                Err(err) => {
                    eprintln!("{}: not loaded: {err}", path.display());
                    continue;
                }
            };
            let model = Model::new(supergraph.api).expect("an API schema with a query type");
            let generator = Generator::new(&model, 4);
            let pool = Pool::default();
            let mut invalid = 0;
            for seed in 0..1000 {
                let operation = generator.generate(Rng::for_operation(seed, 0), &pool, seed < 100);
                if let Err(errors) = model.validate(&operation.to_text()) {
                    if invalid == 0 {
                        eprintln!("{}\n{errors}", operation.to_text());
                    }
                    invalid += 1;
                }
            }
            eprintln!("{}: {invalid} of 1000 invalid", path.display());
            refused += invalid;
        }
        assert_eq!(refused, 0);
    }

    #[test]
    fn one_seed_gives_one_operation() {
        let model = Model::parse(SCHEMA).expect("the test schema is valid");
        let generator = Generator::new(&model, 4);
        let pool = pool();
        for seed in [1, 42, 1234] {
            let a = generator.generate(Rng::for_operation(seed, 9), &pool, false);
            let b = generator.generate(Rng::for_operation(seed, 9), &pool, false);
            assert_eq!(a, b);
            assert_eq!(a.to_text(), b.to_text());
        }
        let a = generator.generate(Rng::for_operation(1, 9), &pool, false);
        let b = generator.generate(Rng::for_operation(1, 10), &pool, false);
        assert_ne!(a.to_text(), b.to_text());
    }
}
