//! The exercise catalogue as every service ships it: each exercise's fixed id, slug and
//! name. The workouts domain owns `Exercise` and adds what it trains and needs; other
//! domains that refer to catalogue exercises (the codex's practice steps) check slugs
//! and show names from this same table, compiled into every binary, so a name read
//! from either is the same name.

use uuid::Uuid;

/// One exercise of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exercise {
    /// Unique URL-safe name, e.g. `back-squat`.
    pub slug: &'static str,
    /// Name shown to people, e.g. `Back squat`.
    pub name: &'static str,
}

/// The catalogue, in catalogue order: the `n`-th (from 1) has the id [`id`]`(n)`.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        slug: "back-squat",
        name: "Back squat",
    },
    Exercise {
        slug: "front-squat",
        name: "Front squat",
    },
    Exercise {
        slug: "deadlift",
        name: "Deadlift",
    },
    Exercise {
        slug: "romanian-deadlift",
        name: "Romanian deadlift",
    },
    Exercise {
        slug: "bench-press",
        name: "Bench press",
    },
    Exercise {
        slug: "overhead-press",
        name: "Overhead press",
    },
    Exercise {
        slug: "barbell-row",
        name: "Barbell row",
    },
    Exercise {
        slug: "pull-up",
        name: "Pull-up",
    },
    Exercise {
        slug: "push-up",
        name: "Push-up",
    },
    Exercise {
        slug: "dip",
        name: "Dip",
    },
    Exercise {
        slug: "plank",
        name: "Plank",
    },
    Exercise {
        slug: "walking-lunge",
        name: "Walking lunge",
    },
    Exercise {
        slug: "hip-thrust",
        name: "Hip thrust",
    },
    Exercise {
        slug: "calf-raise",
        name: "Standing calf raise",
    },
    Exercise {
        slug: "lat-pulldown",
        name: "Lat pulldown",
    },
    Exercise {
        slug: "dumbbell-curl",
        name: "Dumbbell curl",
    },
    Exercise {
        slug: "kettlebell-swing",
        name: "Kettlebell swing",
    },
    Exercise {
        slug: "rowing-erg",
        name: "Rowing ergometer",
    },
    Exercise {
        slug: "easy-run",
        name: "Easy run",
    },
    Exercise {
        slug: "assault-bike",
        name: "Air bike intervals",
    },
];

/// The fixed id of the catalogue's `n`-th exercise, counted from 1 (UUIDv7-shaped,
/// stable across installations, so plans and sets can be exchanged between them).
pub const fn id(n: u8) -> Uuid {
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x01, 0x80, 0x00, 0, 0, 0, 0, 0, n,
    ])
}

/// The id of the exercise at `index` (from 0) in [`EXERCISES`].
///
/// # Panics
/// When the catalogue grows past 254 exercises (ids are one byte).
pub fn id_at(index: usize) -> Uuid {
    id(u8::try_from(index + 1).expect("the catalogue has fewer than 255 entries"))
}

/// The exercise with `slug` (exact, lowercase), with its id.
pub fn by_slug(slug: &str) -> Option<(Uuid, &'static Exercise)> {
    EXERCISES
        .iter()
        .position(|e| e.slug == slug)
        .map(|i| (id_at(i), &EXERCISES[i]))
}

/// The catalogue exercises whose name `text` spells out as whole words, in any letter
/// case and with the last word also in the plural (`"The back squat"` and `"Back
/// squats"` name the back squat, not the front squat), the longest name winning where
/// names overlap (`"Romanian deadlift"` names the Romanian deadlift, not the deadlift),
/// as their places in [`EXERCISES`] (from 0), in catalogue order.
pub fn named_in(text: &str) -> Vec<usize> {
    let text = words(text);
    let mut names: Vec<(usize, Vec<String>)> = EXERCISES
        .iter()
        .enumerate()
        .map(|(i, e)| (i, words(e.name)))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    names.sort_by_key(|(_, name)| std::cmp::Reverse(name.len()));
    let mut taken = vec![false; text.len()];
    let mut found = Vec::new();
    for (i, name) in names {
        for start in 0..text.len().saturating_sub(name.len() - 1) {
            let span = start..start + name.len();
            if spells(&text[span.clone()], &name) && !taken[span.clone()].iter().any(|t| *t) {
                taken[span].iter_mut().for_each(|t| *t = true);
                found.push(i);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Whether `words` are `name`'s words, the last one perhaps with a plural `s` or `es`.
fn spells(words: &[String], name: &[String]) -> bool {
    let last = name.len() - 1;
    words.iter().zip(name).enumerate().all(|(i, (w, n))| {
        w == n
            || (i == last
                && w.strip_prefix(n.as_str())
                    .is_some_and(|rest| rest == "s" || rest == "es"))
    })
}

/// The lowercase words of `text` (letters and digits; anything else separates).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_url_safe_and_found_with_their_ids() {
        for (i, exercise) in EXERCISES.iter().enumerate() {
            assert!(
                exercise
                    .slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{exercise:?}"
            );
            assert_eq!(by_slug(exercise.slug), Some((id_at(i), exercise)));
        }
        assert_eq!(by_slug("back-squat").map(|(id, _)| id), Some(id(1)));
        assert_eq!(by_slug("Back-Squat"), None, "slugs are exact");
        assert_eq!(by_slug("moon-walk"), None);
    }

    #[test]
    fn a_text_names_the_exercises_it_spells_out_as_whole_words() {
        let slugs = |text: &str| -> Vec<&str> {
            named_in(text)
                .into_iter()
                .map(|i| EXERCISES[i].slug)
                .collect()
        };
        assert_eq!(
            slugs("A beginner's guide to the back squat"),
            ["back-squat"]
        );
        assert_eq!(
            slugs("Back squats and front squats"),
            ["back-squat", "front-squat"]
        );
        assert_eq!(slugs("The science of the deadlift"), ["deadlift"]);
        assert_eq!(slugs("Romanian deadlift day"), ["romanian-deadlift"]);
        assert_eq!(slugs("Bench presses"), ["bench-press"]);
        assert_eq!(slugs("Dipping into sleep hygiene"), Vec::<&str>::new());
        assert_eq!(
            slugs("Squat"),
            Vec::<&str>::new(),
            "no exercise is just `squat`"
        );
        assert_eq!(slugs(""), Vec::<&str>::new());
    }
}
