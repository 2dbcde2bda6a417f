//! Input checks: each normalises a value or names the field it rejects.

use tessera_kit::error::ServiceError;

/// Longest plan or workout title.
pub const TITLE_MAX: usize = 120;
/// Longest plan goal.
pub const GOAL_MAX: usize = 500;
/// Longest plan, in weeks.
pub const WEEKS_MAX: i32 = 52;

/// A title: 1–120 characters after trimming, no control characters.
pub fn title(field: &str, raw: &str) -> Result<String, ServiceError> {
    let title = raw.trim();
    if title.is_empty() {
        return Err(ServiceError::invalid(field, "title must not be empty"));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(ServiceError::invalid(
            field,
            format!("title must be at most {TITLE_MAX} characters long"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            field,
            "title must not contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// A plan goal: at most 500 characters (may be empty).
pub fn goal(raw: &str) -> Result<String, ServiceError> {
    let goal = raw.trim();
    if goal.chars().count() > GOAL_MAX {
        return Err(ServiceError::invalid(
            "goal",
            format!("goal must be at most {GOAL_MAX} characters long"),
        ));
    }
    Ok(goal.to_owned())
}

/// An integer within `range`, or an error on `field` saying so.
pub fn within(
    field: &str,
    value: i32,
    range: std::ops::RangeInclusive<i32>,
) -> Result<i32, ServiceError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ServiceError::invalid(
            field,
            format!(
                "`{field}` must be between {} and {} (got {value})",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// A weight in kilograms: finite, 0–1000.
pub fn weight(field: &str, kg: f64) -> Result<f64, ServiceError> {
    if kg.is_finite() && (0.0..=1000.0).contains(&kg) {
        Ok(kg)
    } else {
        Err(ServiceError::invalid(
            field,
            format!("`{field}` must be between 0 and 1000 kg (got {kg})"),
        ))
    }
}

/// A rate of perceived exertion: 1–10, half steps allowed.
pub fn rpe(value: f64) -> Result<f64, ServiceError> {
    if value.is_finite() && (1.0..=10.0).contains(&value) && (value * 2.0).fract() == 0.0 {
        Ok(value)
    } else {
        Err(ServiceError::invalid(
            "rpe",
            format!("`rpe` must be between 1 and 10 in steps of 0.5 (got {value})"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: ServiceError) -> String {
        match err {
            ServiceError::Invalid { field, .. } => field,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn each_check_names_its_field() {
        assert_eq!(title("title", "  Squat day ").expect("valid"), "Squat day");
        assert_eq!(field(title("title", " ").expect_err("empty")), "title");
        assert_eq!(
            field(title("title", &"x".repeat(121)).expect_err("long")),
            "title"
        );
        assert_eq!(field(goal(&"g".repeat(501)).expect_err("long")), "goal");
        assert_eq!(within("weeks", 4, 1..=52).expect("valid"), 4);
        assert_eq!(
            field(within("weeks", 0, 1..=52).expect_err("zero")),
            "weeks"
        );
        assert_eq!(
            field(weight("weightKg", f64::NAN).expect_err("nan")),
            "weightKg"
        );
        assert_eq!(
            field(weight("weightKg", -1.0).expect_err("neg")),
            "weightKg"
        );
        assert_eq!(rpe(7.5).expect("valid"), 7.5);
        assert_eq!(field(rpe(7.3).expect_err("step")), "rpe");
        assert_eq!(field(rpe(11.0).expect_err("high")), "rpe");
    }
}
