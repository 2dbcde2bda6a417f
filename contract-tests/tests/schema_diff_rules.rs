//! The breaking-change rules, one small pair of schemas each: every rule's class,
//! coordinate and sentence, exactly.

use apollo_compiler::Schema;
use tessera::check::{
    Class::{self, Breaking, Dangerous, Safe},
    diff,
    report::changes_report,
};

fn schema(sdl: &str) -> Schema {
    Schema::parse_and_validate(sdl, "test.graphql")
        .unwrap_or_else(|e| panic!("{}\n{sdl}", e.errors))
        .into_inner()
}

/// Every change from `old` to `new`, as `(class, coordinate, message)`.
fn changes(old: &str, new: &str) -> Vec<(Class, String, String)> {
    diff(&schema(old), &schema(new))
        .into_iter()
        .map(|c| (c.class, c.coordinate, c.message))
        .collect()
}

/// The one change from `old` to `new`.
#[track_caller]
fn one(old: &str, new: &str, class: Class, coordinate: &str, message: &str) {
    assert_eq!(
        changes(old, new),
        vec![(class, coordinate.to_owned(), message.to_owned())]
    );
}

const USER: &str = "type Query { me: User } type User { id: ID! email: String }";

#[test]
fn identical_schemas_have_no_change() {
    assert_eq!(changes(USER, USER), vec![]);
}

#[test]
fn a_removed_type_is_breaking() {
    one(
        "type Query { a: Int } type Photo { url: String }",
        "type Query { a: Int }",
        Breaking,
        "Photo",
        "Object type `Photo` was removed",
    );
}

#[test]
fn an_added_type_is_safe() {
    one(
        "type Query { a: Int }",
        "type Query { a: Int } enum Mood { HAPPY }",
        Safe,
        "Mood",
        "Enum `Mood` was added",
    );
}

#[test]
fn a_changed_type_kind_is_breaking() {
    one(
        "type Query { me: User } type User { id: ID! }",
        "type Query { me: User } interface User { id: ID! }",
        Breaking,
        "User",
        "`User` changed kind from object type to interface",
    );
}

#[test]
fn a_removed_field_is_breaking() {
    one(
        USER,
        "type Query { me: User } type User { id: ID! }",
        Breaking,
        "User.email",
        "Field `User.email` was removed",
    );
}

#[test]
fn an_added_field_is_safe() {
    one(
        USER,
        "type Query { me: User } type User { id: ID! email: String handle: String! }",
        Safe,
        "User.handle",
        "Field `User.handle` was added",
    );
}

#[test]
fn an_output_made_non_null_is_safe() {
    one(
        USER,
        "type Query { me: User } type User { id: ID! email: String! }",
        Safe,
        "User.email",
        "Field `User.email` changed type from `String` to `String!`",
    );
}

#[test]
fn an_output_made_nullable_is_breaking() {
    one(
        "type Query { me: User } type User { id: ID! email: String! }",
        USER,
        Breaking,
        "User.email",
        "Field `User.email` changed type from `String!` to `String`",
    );
}

#[test]
fn an_output_of_another_type_is_breaking() {
    one(
        USER,
        "type Query { me: User } type User { id: ID! email: Int }",
        Breaking,
        "User.email",
        "Field `User.email` changed type from `String` to `Int`",
    );
}

#[test]
fn list_items_follow_the_same_rule_at_every_level() {
    let old = "type Query { tags: [String] }";
    one(
        old,
        "type Query { tags: [String!]! }",
        Safe,
        "Query.tags",
        "Field `Query.tags` changed type from `[String]` to `[String!]!`",
    );
    one(
        "type Query { tags: [String!] }",
        old,
        Breaking,
        "Query.tags",
        "Field `Query.tags` changed type from `[String!]` to `[String]`",
    );
    one(
        old,
        "type Query { tags: String }",
        Breaking,
        "Query.tags",
        "Field `Query.tags` changed type from `[String]` to `String`",
    );
}

const ARG: &str = "type Query { user(handle: String): Int }";

#[test]
fn an_argument_made_non_null_is_breaking() {
    one(
        ARG,
        "type Query { user(handle: String!): Int }",
        Breaking,
        "Query.user(handle:)",
        "Argument `Query.user(handle:)` changed type from `String` to `String!`",
    );
}

#[test]
fn an_argument_made_nullable_is_safe() {
    one(
        "type Query { user(handle: String!): Int }",
        ARG,
        Safe,
        "Query.user(handle:)",
        "Argument `Query.user(handle:)` changed type from `String!` to `String`",
    );
}

#[test]
fn a_removed_argument_is_breaking() {
    one(
        ARG,
        "type Query { user: Int }",
        Breaking,
        "Query.user(handle:)",
        "Argument `Query.user(handle:)` was removed",
    );
}

#[test]
fn a_new_required_argument_is_breaking() {
    one(
        ARG,
        "type Query { user(handle: String, tenant: ID!): Int }",
        Breaking,
        "Query.user(tenant:)",
        "Required argument `Query.user(tenant:)` of type `ID!` was added",
    );
}

#[test]
fn a_new_optional_argument_is_safe() {
    one(
        ARG,
        "type Query { user(handle: String, tenant: ID): Int }",
        Safe,
        "Query.user(tenant:)",
        "Optional argument `Query.user(tenant:)` was added",
    );
    // Non-null with a default: clients may still leave it out.
    one(
        ARG,
        "type Query { user(handle: String, first: Int! = 10): Int }",
        Safe,
        "Query.user(first:)",
        "Optional argument `Query.user(first:)` was added",
    );
}

#[test]
fn a_changed_default_value_is_dangerous() {
    one(
        "type Query { users(first: Int = 10): Int }",
        "type Query { users(first: Int = 20): Int }",
        Dangerous,
        "Query.users(first:)",
        "Default value of argument `Query.users(first:)` changed from `10` to `20`",
    );
    one(
        "type Query { users(first: Int): Int }",
        "type Query { users(first: Int = 20): Int }",
        Dangerous,
        "Query.users(first:)",
        "Default value of argument `Query.users(first:)` changed from none to `20`",
    );
}

#[test]
fn a_non_null_argument_losing_its_default_is_breaking() {
    one(
        "type Query { users(first: Int! = 10): Int }",
        "type Query { users(first: Int!): Int }",
        Breaking,
        "Query.users(first:)",
        "Argument `Query.users(first:)` lost its default value `10` and is now required",
    );
}

const INPUT: &str = "type Query { a: Int } type Mutation { signIn(input: SignInInput!): Int } \
                     input SignInInput { email: String! password: String }";

#[test]
fn an_input_field_made_non_null_is_breaking() {
    one(
        INPUT,
        &INPUT.replace("password: String", "password: String!"),
        Breaking,
        "SignInInput.password",
        "Input field `SignInInput.password` changed type from `String` to `String!`",
    );
}

#[test]
fn an_input_field_made_nullable_is_safe() {
    one(
        INPUT,
        &INPUT.replace("email: String!", "email: String"),
        Safe,
        "SignInInput.email",
        "Input field `SignInInput.email` changed type from `String!` to `String`",
    );
}

#[test]
fn a_removed_input_field_is_breaking() {
    one(
        INPUT,
        &INPUT.replace("password: String", ""),
        Breaking,
        "SignInInput.password",
        "Input field `SignInInput.password` was removed",
    );
}

#[test]
fn a_new_required_input_field_is_breaking_an_optional_one_safe() {
    one(
        INPUT,
        &INPUT.replace("password: String", "password: String otp: String!"),
        Breaking,
        "SignInInput.otp",
        "Required input field `SignInInput.otp` of type `String!` was added",
    );
    one(
        INPUT,
        &INPUT.replace("password: String", "password: String otp: String"),
        Safe,
        "SignInInput.otp",
        "Optional input field `SignInInput.otp` was added",
    );
}

#[test]
fn a_changed_input_field_default_is_dangerous() {
    one(
        INPUT,
        &INPUT.replace("password: String", "password: String = \"x\""),
        Dangerous,
        "SignInInput.password",
        "Default value of input field `SignInInput.password` changed from none to `\"x\"`",
    );
}

const ENUM: &str = "type Query { role: Role } enum Role { ATHLETE COACH }";

#[test]
fn a_removed_enum_value_is_breaking() {
    one(
        ENUM,
        "type Query { role: Role } enum Role { ATHLETE }",
        Breaking,
        "Role.COACH",
        "Enum value `Role.COACH` was removed",
    );
}

#[test]
fn an_added_enum_value_is_dangerous() {
    one(
        ENUM,
        "type Query { role: Role } enum Role { ATHLETE COACH ADMIN }",
        Dangerous,
        "Role.ADMIN",
        "Enum value `Role.ADMIN` was added (clients with an exhaustive switch over `Role` may not handle it)",
    );
}

const UNION: &str = "type Query { media: Media } type Photo { url: String } \
                     type Video { url: String } union Media = Photo | Video";

#[test]
fn a_removed_union_member_is_breaking() {
    one(
        UNION,
        &UNION.replace(" | Video", ""),
        Breaking,
        "Media",
        "`Video` was removed from union `Media`",
    );
}

#[test]
fn an_added_union_member_is_dangerous() {
    one(
        &UNION.replace(" | Video", ""),
        UNION,
        Dangerous,
        "Media",
        "`Video` was added to union `Media` (clients may not handle the new member)",
    );
}

const IMPLEMENTS: &str =
    "type Query { node: Node } interface Node { id: ID! } type User implements Node { id: ID! }";

#[test]
fn a_removed_interface_implementation_is_breaking() {
    one(
        IMPLEMENTS,
        &IMPLEMENTS.replace(" implements Node", ""),
        Breaking,
        "User",
        "`User` no longer implements interface `Node`",
    );
}

#[test]
fn an_added_interface_implementation_is_dangerous() {
    one(
        &IMPLEMENTS.replace(" implements Node", ""),
        IMPLEMENTS,
        Dangerous,
        "User",
        "`User` now implements interface `Node` (clients may meet a new type where they expect `Node`)",
    );
}

#[test]
fn description_changes_are_safe() {
    one(
        USER,
        r#"type Query { me: User } type User { id: ID! "Where we write." email: String }"#,
        Safe,
        "User.email",
        "Description of field `User.email` was added",
    );
    one(
        r#"type Query { me: User } "A person." type User { id: ID! email: String }"#,
        r#"type Query { me: User } "Someone." type User { id: ID! email: String }"#,
        Safe,
        "User",
        "Description of type `User` changed",
    );
}

#[test]
fn deprecations_are_safe() {
    one(
        USER,
        r#"type Query { me: User } type User { id: ID! email: String @deprecated(reason: "use `emails`") }"#,
        Safe,
        "User.email",
        "Field `User.email` was deprecated (\"use `emails`\")",
    );
    one(
        ENUM,
        "type Query { role: Role } enum Role { ATHLETE COACH @deprecated }",
        Safe,
        "Role.COACH",
        "Enum value `Role.COACH` was deprecated (\"No longer supported\")",
    );
    one(
        r#"type Query { me: User } type User { id: ID! email: String @deprecated }"#,
        USER,
        Safe,
        "User.email",
        "Field `User.email` is no longer deprecated",
    );
}

#[test]
fn directive_definitions_removed_are_breaking_added_safe() {
    let with =
        "directive @cacheControl(maxAge: Int) on FIELD_DEFINITION | OBJECT type Query { a: Int }";
    let without = "type Query { a: Int }";
    one(
        with,
        without,
        Breaking,
        "@cacheControl",
        "Directive `@cacheControl` was removed",
    );
    one(
        without,
        with,
        Safe,
        "@cacheControl",
        "Directive `@cacheControl` was added",
    );
}

#[test]
fn a_changed_root_type_is_breaking() {
    one(
        "schema { query: Query } type Query { a: Int } type Root { a: Int }",
        "schema { query: Root } type Query { a: Int } type Root { a: Int }",
        Breaking,
        "Query",
        "The query root type changed from `Query` to `Root`",
    );
}

#[test]
fn changes_come_breaking_first_and_the_report_groups_them_by_class() {
    let old = "type Query { me: User role: Role } type User { id: ID! email: String } \
               enum Role { ATHLETE }";
    let new = "type Query { me: User role: Role } type User { id: ID! handle: String } \
               enum Role { ATHLETE COACH }";
    let changes = diff(&schema(old), &schema(new));
    assert_eq!(
        changes_report(&changes),
        "BREAKING (1):\n\
         \x20 - Field `User.email` was removed  [User.email]\n\
         DANGEROUS (1):\n\
         \x20 - Enum value `Role.COACH` was added (clients with an exhaustive switch over `Role` may not handle it)  [Role.COACH]\n\
         SAFE (1):\n\
         \x20 - Field `User.handle` was added  [User.handle]\n"
    );
}
