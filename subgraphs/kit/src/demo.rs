//! The demo cast: fixed ids every domain's demo data refers to, so a workout, a
//! notification or a journal entry seeded by another subgraph belongs to a user the
//! users subgraph knows. The ids are UUIDv7-shaped and sort in the order listed.

use uuid::Uuid;

/// One demo person.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    /// Their id in every subgraph.
    pub id: Uuid,
    /// Their handle.
    pub handle: &'static str,
}

const fn id(n: u8) -> Uuid {
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0x80, 0x00, 0, 0, 0, 0, 0, n,
    ])
}

/// Ada, the platform administrator.
pub const ADMIN: DemoUser = DemoUser {
    id: id(1),
    handle: "ada",
};
/// Coach Carter, who coaches Alex and Blair.
pub const COACH_CARTER: DemoUser = DemoUser {
    id: id(2),
    handle: "carter",
};
/// Coach Kim, who coaches Casey and Drew.
pub const COACH_KIM: DemoUser = DemoUser {
    id: id(3),
    handle: "kim",
};
/// Alex, an athlete on the premium tier.
pub const ATHLETE_ALEX: DemoUser = DemoUser {
    id: id(4),
    handle: "alex",
};
/// Blair, an athlete.
pub const ATHLETE_BLAIR: DemoUser = DemoUser {
    id: id(5),
    handle: "blair",
};
/// Casey, an athlete.
pub const ATHLETE_CASEY: DemoUser = DemoUser {
    id: id(6),
    handle: "casey",
};
/// Drew, an athlete.
pub const ATHLETE_DREW: DemoUser = DemoUser {
    id: id(7),
    handle: "drew",
};
/// Pat, a partner developer's account.
pub const PARTNER_PAT: DemoUser = DemoUser {
    id: id(8),
    handle: "pat",
};

/// Everyone, in id order.
pub const ALL: [DemoUser; 8] = [
    ADMIN,
    COACH_CARTER,
    COACH_KIM,
    ATHLETE_ALEX,
    ATHLETE_BLAIR,
    ATHLETE_CASEY,
    ATHLETE_DREW,
    PARTNER_PAT,
];

/// Sessions in each demo athlete's training calendar (6 weeks × 3 days).
pub const WORKOUTS_PER_ATHLETE: u8 = 18;

/// The id the workouts demo gives to the `session`-th (0-based, in calendar order)
/// workout of the `athlete`-th demo athlete (Alex 0, Blair 1, Casey 2, Drew 3). Both
/// the workouts and the journal seeds use it, so demo journal entries link to demo
/// workouts that exist.
pub const fn workout_id(athlete: u8, session: u8) -> Uuid {
    let n = athlete as u16 * WORKOUTS_PER_ATHLETE as u16 + session as u16 + 1;
    let [hi, lo] = n.to_be_bytes();
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02, 0x80, 4, 0, 0, 0, 0, hi, lo,
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_ids_are_unique_and_ordered() {
        let ids: Vec<_> = super::ALL.iter().map(|u| u.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(
            super::ADMIN.id.to_string(),
            "01930000-0000-7000-8000-000000000001"
        );
    }
}
