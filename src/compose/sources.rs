//! The subgraphs this build contains, and their SDL straight from their schema code
//! (what `_service { sdl }` answers), so composing needs no running process.

/// The federation SDL of subgraph `name`, if this build contains it.
pub fn subgraph_sdl(name: &str) -> Option<String> {
    match name {
        "users" => Some(tessera_users::schema::sdl()),
        "workouts" => Some(tessera_workouts::schema::sdl()),
        "notifications" => Some(tessera_notifications::schema::sdl()),
        "journal" => Some(tessera_journal::schema::sdl()),
        "codex" => Some(tessera_codex::schema::sdl()),
        _ => None,
    }
}
