//! Input checks: each normalises a value or names the field it rejects.

use chrono_tz::Tz;
use tessera_kit::error::ServiceError;

/// Longest title.
pub const TITLE_MAX: usize = 120;
/// Longest body.
pub const BODY_MAX: usize = 2_000;
/// Largest `data` object, in bytes of JSON.
pub const DATA_MAX: usize = 4_096;
/// Longest idempotency key.
pub const KEY_MAX: usize = 100;
/// Longest device token.
pub const TOKEN_MAX: usize = 512;
/// Most recipients of one send.
pub const RECIPIENTS_MAX: usize = 100;

/// A title: 1–120 characters, no control characters.
pub fn title(raw: &str) -> Result<String, ServiceError> {
    let title = raw.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(ServiceError::invalid(
            "title",
            "title must be 1 to 120 characters long",
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "title",
            "title must not contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// A body: at most 2000 characters.
pub fn body(raw: &str) -> Result<String, ServiceError> {
    if raw.chars().count() > BODY_MAX {
        return Err(ServiceError::invalid(
            "body",
            "body must be at most 2000 characters long",
        ));
    }
    Ok(raw.trim().to_owned())
}

/// `data`: a JSON object of at most 4 KiB; stored compact.
pub fn data(raw: Option<&str>) -> Result<String, ServiceError> {
    let Some(raw) = raw else {
        return Ok("{}".to_owned());
    };
    let invalid = |m: &str| ServiceError::invalid("data", m);
    if raw.len() > DATA_MAX {
        return Err(invalid("data must be at most 4096 bytes of JSON"));
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value.to_string()),
        Ok(_) => Err(invalid("data must be a JSON object")),
        Err(_) => Err(invalid("data is not valid JSON")),
    }
}

/// An idempotency key: 1–100 visible ASCII characters.
pub fn idempotency_key(raw: &str) -> Result<String, ServiceError> {
    let ok = !raw.is_empty() && raw.len() <= KEY_MAX && raw.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ServiceError::invalid(
            "idempotencyKey",
            "idempotencyKey must be 1 to 100 visible ASCII characters",
        ))
    }
}

/// A device token: 1–512 visible ASCII characters.
pub fn token(raw: &str) -> Result<String, ServiceError> {
    let token = raw.trim();
    if token.is_empty() || token.len() > TOKEN_MAX || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ServiceError::invalid(
            "token",
            "token must be 1 to 512 visible ASCII characters",
        ));
    }
    Ok(token.to_owned())
}

/// `HH:MM` (24-hour) → minutes after midnight.
pub fn clock(field: &str, raw: &str) -> Result<i32, ServiceError> {
    let parsed = raw.trim().split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
        ((0..24).contains(&h) && (0..60).contains(&m) && raw.trim().len() == 5)
            .then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| {
        ServiceError::invalid(field, format!("`{raw}` is not a time of day like `22:30`"))
    })
}

/// An IANA time zone name.
pub fn timezone(raw: &str) -> Result<Tz, ServiceError> {
    raw.trim().parse().map_err(|_| {
        ServiceError::invalid(
            "timezone",
            format!("`{raw}` is not an IANA time zone name (e.g. `Europe/Berlin`)"),
        )
    })
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
        assert_eq!(data(Some(r#"{ "a" : 1 }"#)).expect("valid"), r#"{"a":1}"#);
        assert_eq!(data(None).expect("none"), "{}");
        assert_eq!(field(data(Some("[1]")).expect_err("array")), "data");
        assert_eq!(field(data(Some("{")).expect_err("broken")), "data");
        assert_eq!(clock("start", "22:30").expect("valid"), 22 * 60 + 30);
        assert_eq!(clock("start", "00:00").expect("valid"), 0);
        for bad in ["24:00", "7:00", "12:60", "noon"] {
            assert_eq!(field(clock("end", bad).expect_err(bad)), "end");
        }
        assert_eq!(
            field(idempotency_key("").expect_err("empty")),
            "idempotencyKey"
        );
        assert_eq!(
            field(idempotency_key("a b").expect_err("space")),
            "idempotencyKey"
        );
        assert_eq!(field(token(" ").expect_err("blank")), "token");
        assert_eq!(field(timezone("Mars/Base").expect_err("mars")), "timezone");
        assert_eq!(field(title("").expect_err("empty")), "title");
    }
}
