//! The partner variant (`schema/partner.graphql`) holds only what is tagged for
//! partners (or a value type such a field returns, see
//! `tessera_router::supergraph::variant`) and nothing `@inaccessible`.

use std::path::Path;

use apollo_compiler::{Schema, schema::ExtendedType};

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract-tests sits in the workspace root");
    std::fs::read_to_string(root.join(path)).expect("a committed schema file")
}

fn tagged_partner(directives: &apollo_compiler::ast::DirectiveList) -> bool {
    directives.get_all("tag").any(|d| {
        d.specified_argument_by_name("name")
            .and_then(|v| v.as_str())
            == Some("partner")
    })
}

#[test]
fn the_partner_variant_holds_only_tagged_elements_and_their_value_types() {
    let supergraph = Schema::parse_and_validate(read("schema/supergraph.graphql"), "supergraph")
        .expect("the committed supergraph is valid");
    let partner = Schema::parse_and_validate(read("schema/partner.graphql"), "partner")
        .expect("the committed partner schema is valid");
    let mut outside = Vec::new();
    for (name, ty) in &partner.types {
        if ty.is_built_in() {
            continue;
        }
        let Some(full) = supergraph.types.get(name) else {
            outside.push(format!("{name}: not in the supergraph"));
            continue;
        };
        let directives = full.directives();
        let type_tagged = directives.get_all("tag").any(|d| {
            d.specified_argument_by_name("name")
                .and_then(|v| v.as_str())
                == Some("partner")
        });
        let entity = directives
            .get_all("join__type")
            .any(|d| d.specified_argument_by_name("key").is_some());
        if directives.get("inaccessible").is_some() {
            outside.push(format!("{name}: @inaccessible"));
        }
        let fields = |ty: &ExtendedType| -> Vec<(String, bool, bool)> {
            let defs = match ty {
                ExtendedType::Object(o) => &o.fields,
                ExtendedType::Interface(i) => &i.fields,
                _ => return Vec::new(),
            };
            defs.iter()
                .map(|(f, d)| {
                    let hidden = d.directives.get("inaccessible").is_some();
                    (f.to_string(), tagged_partner(&d.directives), hidden)
                })
                .collect()
        };
        let full_fields = fields(full);
        let any_field_tagged = full_fields.iter().any(|(_, tagged, _)| *tagged);
        if entity && !type_tagged && !any_field_tagged {
            outside.push(format!("{name}: an untagged entity"));
        }
        for (field, _, _) in fields(ty) {
            let Some((_, tagged, hidden)) = full_fields.iter().find(|(f, _, _)| *f == field) else {
                outside.push(format!("{name}.{field}: not in the supergraph"));
                continue;
            };
            if *hidden {
                outside.push(format!("{name}.{field}: @inaccessible"));
            }
            // A field is in by its own tag, its type's tag, or its type being a value
            // type or the root query (whose kept fields must each be tagged).
            let root = name == "Query";
            if !tagged && (root || (entity && !type_tagged)) {
                outside.push(format!("{name}.{field}: not tagged"));
            }
        }
    }
    assert_eq!(outside, Vec::<String>::new());
    assert!(partner.types.contains_key("Exercise"));
    assert!(!partner.types.contains_key("User"));
}
