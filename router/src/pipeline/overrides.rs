//! Stage: progressive `@override`. Which labels are on for one request: those
//! configured as always on, and each `percent(n)` label with a probability of n %.

use super::Router;

impl Router {
    /// The labels on for one request (none when the supergraph has no labels).
    pub(super) fn active_labels(&self) -> Vec<String> {
        let labels = self.shared.supergraph.override_labels();
        if labels.is_empty() {
            return Vec::new();
        }
        labels
            .iter()
            .filter(|label| match percent(label) {
                Some(p) => roll_under(p),
                None => self.shared.override_labels.contains(label),
            })
            .cloned()
            .collect()
    }
}

/// `n` of a `percent(n)` label (0–100, decimals allowed).
fn percent(label: &str) -> Option<f64> {
    let n: f64 = label
        .strip_prefix("percent(")?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}

/// True with a probability of `p` % (the operating system's randomness; `percent(0)`
/// never, `percent(100)` always).
fn roll_under(p: f64) -> bool {
    // Uniform in [0, 1): never 1, so 100 % always holds.
    let r = f64::from(getrandom::u32().unwrap_or(u32::MAX)) / 4_294_967_296.0;
    r * 100.0 < p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_labels_parse_and_roll_at_their_rate() {
        assert_eq!(percent("percent(25)"), Some(25.0));
        assert_eq!(percent("percent(0.5)"), Some(0.5));
        assert_eq!(percent("percent(101)"), None);
        assert_eq!(percent("new-colour"), None);
        assert!((0..1_000).all(|_| roll_under(100.0)));
        assert!((0..1_000).all(|_| !roll_under(0.0)));
        // 25 % of 4 000 rolls: 1 000 expected, standard deviation ~27.
        let hits = (0..4_000).filter(|_| roll_under(25.0)).count();
        assert!((800..1_200).contains(&hits), "{hits}");
    }
}
