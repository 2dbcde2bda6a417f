//! The `CodexEntry` entity interface, its two kinds (`CodexArticle`, `CodexPractice`),
//! and the search result connection.
//!
//! A practice's steps name catalogue exercises. The codex knows each exercise's slug
//! and name from the catalogue every service ships (`tessera_kit::catalogue`), so
//! `PracticeStep.exercise` provides the name (`@provides(fields: "name")`): a list of
//! steps with their exercises' names is answered by the codex alone, and the router
//! asks the workouts subgraph, by slug, only for what else a client selects.
//!
//! The catalogue exercises an entry is about (`exercises`, those its title names) are
//! moving here from the workouts domain, which added them first: with a progressive
//! `@override` ([`EXERCISES_LABEL`]) the router asks the codex for them while the label
//! is on, the workouts domain otherwise. Their names come with them (`@provides`).
//!
//! `CodexEntry` carries the key (`@key(fields: "id")`), and so does each kind: other
//! subgraphs join an entry by its id. This subgraph resolves a `CodexEntry`
//! representation to its concrete kind.

use async_graphql::{
    Context, ErrorExtensions, ID, Interface, Object, Result, ResultExt, SimpleObject,
};
use chrono::{DateTime, Utc};
use tessera_kit::{catalogue, error::ServiceError};

use crate::{
    entity::{
        entry::{self, Category, Kind, Visibility},
        step,
    },
    graphql::{
        context::{access, loaders},
        user::User,
    },
};

/// Reading speed for [`CodexArticle::reading_minutes`], in words per minute.
const WORDS_PER_MINUTE: usize = 200;

/// An article or a practice of the codex. Public entries are readable by everyone,
/// partners included; private ones by their author only.
#[allow(
    clippy::duplicated_attributes,
    reason = "the interface's fields share types (`ty = \"&str\"` twice), which clippy takes for a repeated attribute"
)]
#[derive(Interface, Clone)]
#[graphql(
    tag = "partner",
    directive = tessera_kit::directives::cache_control::apply(Some(300), None, None),
    field(name = "id", ty = "ID", desc = "Stable identifier (a UUIDv7)."),
    field(name = "author", ty = "User", desc = "Who wrote it."),
    field(name = "title", ty = "&str", desc = "Title."),
    field(name = "body", ty = "&str", desc = "The text, in Markdown."),
    field(name = "category", ty = "Category", desc = "The shelf it sits on."),
    field(
        name = "tags",
        ty = "Vec<String>",
        desc = "Tags, lowercase, in the order written."
    ),
    field(name = "visibility", ty = "Visibility", desc = "Who may read it."),
    field(
        name = "published_at",
        ty = "Option<DateTime<Utc>>",
        desc = "When it first became public, if it did."
    ),
    field(
        name = "created_at",
        ty = "DateTime<Utc>",
        desc = "When it was written."
    ),
    field(
        name = "updated_at",
        ty = "DateTime<Utc>",
        desc = "When it last changed."
    ),
    field(
        name = "related_entries",
        ty = "Vec<CodexEntry>",
        desc = "Public entries sharing its tags, most shared tags first (at most 20).",
        arg(name = "first", ty = "i32", default = 5, desc = "How many (1–20).")
    ),
    field(name = "exercises", ty = "Vec<Exercise>", provides = "name", tag = "partner", desc = "The catalogue exercises the entry is about: those its title names as whole words\n(`A beginner's guide to the back squat` is about the back squat), in catalogue\norder; empty when it names none. Open to whoever may read the entry.")
)]
pub enum CodexEntry {
    /// Something to read.
    Article(CodexArticle),
    /// Something to do.
    Practice(CodexPractice),
}

/// `row`, as shown to the caller of `ctx`: a private entry makes the response private to
/// that caller (`Cache-Control: private`), whatever the schema's hints say.
pub fn shown(ctx: &Context<'_>, row: entry::Model) -> entry::Model {
    if row.visibility != Visibility::Public {
        tessera_kit::cache::private(ctx);
    }
    row
}

impl From<entry::Model> for CodexEntry {
    fn from(row: entry::Model) -> Self {
        match row.kind {
            Kind::Article => Self::Article(CodexArticle(row)),
            Kind::Practice => Self::Practice(CodexPractice(row)),
        }
    }
}

tessera_kit::connection!(
    CodexEntryConnection,
    CodexEntryEdge,
    CodexEntry,
    "A page of codex entries, oldest first."
);

tessera_kit::connection!(
    CodexSearchConnection,
    CodexSearchEdge,
    CodexEntry,
    "A page of search results, most relevant first."
);

/// An article of the codex: something to read.
#[derive(Clone)]
pub struct CodexArticle(pub entry::Model);

/// A practice of the codex: something to do, in a given number of minutes.
#[derive(Clone)]
pub struct CodexPractice(pub entry::Model);

/// The fields every kind shares, each as the interface calls it (with the context, as
/// a result), followed by the kind's own.
macro_rules! codex_entry {
    ($(#[$meta:meta])* $kind:ident { $($own:tt)* }) => {
        $(#[$meta])*
        #[Object(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(300), None, None))]
        impl $kind {
            /// Stable identifier (a UUIDv7).
            async fn id(&self, _ctx: &Context<'_>) -> Result<ID> {
                Ok(ID(self.0.id.to_string()))
            }

            /// Who wrote it.
            async fn author(&self, _ctx: &Context<'_>) -> Result<User> {
                Ok(User::new(self.0.author_id))
            }

            /// Title.
            async fn title(&self, _ctx: &Context<'_>) -> Result<&str> {
                Ok(&self.0.title)
            }

            /// The text, in Markdown.
            async fn body(&self, _ctx: &Context<'_>) -> Result<&str> {
                Ok(&self.0.body)
            }

            /// The shelf it sits on.
            async fn category(&self, _ctx: &Context<'_>) -> Result<Category> {
                Ok(self.0.category)
            }

            /// Tags, lowercase, in the order written.
            async fn tags(&self, _ctx: &Context<'_>) -> Result<Vec<String>> {
                Ok(self.0.tags())
            }

            /// Who may read it.
            async fn visibility(&self, _ctx: &Context<'_>) -> Result<Visibility> {
                Ok(self.0.visibility)
            }

            /// When it first became public, if it did.
            async fn published_at(&self, _ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
                Ok(self.0.published_at)
            }

            /// When it was written.
            async fn created_at(&self, _ctx: &Context<'_>) -> Result<DateTime<Utc>> {
                Ok(self.0.created_at)
            }

            /// When it last changed.
            async fn updated_at(&self, _ctx: &Context<'_>) -> Result<DateTime<Utc>> {
                Ok(self.0.updated_at)
            }

            /// Public entries sharing its tags, most shared tags first (at most 20).
            async fn related_entries(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "How many (1–20).", default = 5)] first: i32,
            ) -> Result<Vec<CodexEntry>> {
                related(ctx, &self.0, first).await
            }

            /// The catalogue exercises the entry is about: those its title names as whole words
            /// (`A beginner's guide to the back squat` is about the back squat), in catalogue
            /// order; empty when it names none. Open to whoever may read the entry.
            // Moving here from the workouts domain (see `EXERCISES_LABEL`), names
            // included: the codex ships the catalogue.
            #[graphql(
                tag = "partner",
                provides = "name",
                directive = tessera_kit::directives::progressive_override::apply(
                    "workouts".to_owned(),
                    EXERCISES_LABEL.to_owned(),
                )
            )]
            async fn exercises(&self, _ctx: &Context<'_>) -> Result<Vec<Exercise>> {
                Ok(exercises_named_in(&self.0.title))
            }

            $($own)*
        }
    };
}

/// The progressive `@override` label under which an entry's `exercises` come from the
/// codex rather than the workouts domain, which served them first. The codex ships
/// the catalogue, so it names an entry's exercises itself: a list of entries with their
/// exercises is one fetch instead of two, one after the other (the workouts domain
/// needs each entry's title). The platform's router has it on (`tessera.toml`); taking
/// it off there hands the field back to the workouts domain, which still serves it,
/// until the workouts domain drops it.
pub const EXERCISES_LABEL: &str = "codex-exercises";

/// The catalogue exercises `title` names, with their names.
fn exercises_named_in(title: &str) -> Vec<Exercise> {
    catalogue::named_in(title)
        .into_iter()
        .map(|i| Exercise::from(&catalogue::EXERCISES[i]))
        .collect()
}

codex_entry! {
    /// An article of the codex: something to read. Public articles are readable by
    /// everyone, partners included; private ones by their author only.
    CodexArticle {
        /// About how long reading it takes, in whole minutes (at 200 words a minute,
        /// at least one).
        async fn reading_minutes(&self) -> i32 {
            let words = self.0.body.split_whitespace().count();
            i32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(i32::MAX)
        }
    }
}

codex_entry! {
    /// A practice of the codex: something to do, step by step, in a given number of
    /// minutes. Public practices are readable by everyone, partners included; private
    /// ones by their author only.
    CodexPractice {
        /// How long doing it takes, in minutes, as its author says.
        async fn duration_minutes(&self) -> i32 {
            self.0.minutes.unwrap_or_default()
        }

        /// What to do, step by step, in order (at most 30).
        #[graphql(tag = "partner")]
        async fn steps(&self, ctx: &Context<'_>) -> Result<Vec<PracticeStep>> {
            Ok(loaders(ctx)
                .steps
                .load_one((self.0.id, ()))
                .await
                .extend()?
                .unwrap_or_default()
                .into_iter()
                .map(PracticeStep)
                .collect())
        }
    }
}

/// One step of a practice: what to do, and the catalogue exercise it is, if any.
pub struct PracticeStep(step::Model);

/// One step of a practice: what to do, and the catalogue exercise it is, if any.
#[Object(
    tag = "partner",
    directive = tessera_kit::directives::cache_control::apply(None, None, Some(true))
)]
impl PracticeStep {
    /// Its place in the practice, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// What to do, in plain text.
    async fn instruction(&self) -> &str {
        &self.0.instruction
    }

    /// The catalogue exercise this step is, if it is one.
    // Its name comes with it (the codex ships the catalogue): the router asks the
    // workouts domain only for the exercise's other fields.
    #[graphql(provides = "name")]
    async fn exercise(&self) -> Option<Exercise> {
        let slug = self.0.exercise_slug.as_deref()?;
        // A slug is checked against the catalogue when the step is written; one the
        // catalogue has since dropped leaves the step without an exercise.
        catalogue::by_slug(slug).map(|(_, e)| Exercise::from(e))
    }
}

// An exercise of the catalogue, which the workouts domain owns: here only by its slug
// (a key the codex does not resolve), with the name every service ships with the
// catalogue. Its descriptions are the workouts domain's, word for word, so the
// composed schema reads the same whichever subgraph comes first.
/// An exercise of the catalogue, referred to by plans and logged sets. Identified by
/// `id` or by its `slug`; partners may read the catalogue.
#[derive(SimpleObject)]
#[graphql(unresolvable = "slug", tag = "partner")]
pub struct Exercise {
    /// Unique URL-safe name, e.g. `back-squat`.
    pub slug: String,
    /// Name shown to people, e.g. `Back squat`.
    #[graphql(external)]
    pub name: String,
}

impl From<&catalogue::Exercise> for Exercise {
    fn from(e: &catalogue::Exercise) -> Self {
        Self {
            slug: e.slug.to_owned(),
            name: e.name.to_owned(),
        }
    }
}

/// The public entries related to `row` by tags, as the caller may read them.
async fn related(ctx: &Context<'_>, row: &entry::Model, first: i32) -> Result<Vec<CodexEntry>> {
    let limit = usize::try_from(first)
        .ok()
        .filter(|n| (1..=20).contains(n))
        .ok_or_else(|| {
            ServiceError::invalid(
                "first",
                format!("`first` must be between 1 and 20 (got {first})"),
            )
            .extend()
        })?;
    let ids = loaders(ctx)
        .related
        .load_one((row.id, limit))
        .await
        .extend()?
        .unwrap_or_default();
    let mut found = loaders(ctx)
        .entries
        .load_many(ids.iter().copied())
        .await
        .extend()?;
    let access = access(ctx);
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id))
        .filter(|e| access.may_read(e))
        .map(|e| CodexEntry::from(shown(ctx, e)))
        .collect())
}
