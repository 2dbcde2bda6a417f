//! Profile input: each check normalises a value or names the field it rejects.

use tessera_kit::error::ServiceError;

/// Shortest and longest handle.
pub const HANDLE_LEN: std::ops::RangeInclusive<usize> = 3..=30;
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 80;
/// Longest email address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// Longest avatar URL.
pub const AVATAR_URL_MAX: usize = 2048;

/// Handles that would impersonate the platform or collide with routes.
const RESERVED_HANDLES: &[&str] = &["admin", "support", "tessera", "me", "root", "system"];

/// A handle: 3–30 of `a-z`, `0-9`, `_`, starting with a letter; stored lowercase.
pub fn handle(raw: &str) -> Result<String, ServiceError> {
    let handle = raw.trim().to_lowercase();
    let invalid = |message: String| ServiceError::invalid("handle", message);
    if !HANDLE_LEN.contains(&handle.chars().count()) {
        return Err(invalid(format!(
            "handle must be {} to {} characters long",
            HANDLE_LEN.start(),
            HANDLE_LEN.end()
        )));
    }
    if !handle.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid("handle must start with a letter".to_owned()));
    }
    if let Some(bad) = handle
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(invalid(format!(
            "handle may hold only letters, digits and `_` (found `{bad}`)"
        )));
    }
    if RESERVED_HANDLES.contains(&handle.as_str()) {
        return Err(invalid(format!("handle `{handle}` is reserved")));
    }
    Ok(handle)
}

/// A display name: 1–80 characters after trimming, no control characters.
pub fn display_name(raw: &str) -> Result<String, ServiceError> {
    let name = raw.trim();
    let invalid = |message: &str| ServiceError::invalid("displayName", message);
    if name.is_empty() {
        return Err(invalid("display name must not be empty"));
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(invalid("display name must be at most 80 characters long"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("display name must not contain control characters"));
    }
    Ok(name.to_owned())
}

/// An email address, syntax-checked and stored lowercase.
pub fn email(raw: &str) -> Result<String, ServiceError> {
    let email = raw.trim().to_lowercase();
    if email.len() > EMAIL_MAX {
        return Err(ServiceError::invalid(
            "email",
            "email must be at most 254 characters long",
        ));
    }
    if !email_address::EmailAddress::is_valid(&email) {
        return Err(ServiceError::invalid(
            "email",
            format!("`{email}` is not an email address"),
        ));
    }
    Ok(email)
}

/// An IANA time zone name such as `Europe/Berlin`.
pub fn timezone(raw: &str) -> Result<String, ServiceError> {
    let name = raw.trim();
    name.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            ServiceError::invalid(
                "timezone",
                format!("`{name}` is not an IANA time zone name (e.g. `Europe/Berlin`)"),
            )
        })
}

/// An avatar URL: absolute `https`, at most 2048 characters.
pub fn avatar_url(raw: &str) -> Result<String, ServiceError> {
    let raw = raw.trim();
    let invalid = |message: &str| ServiceError::invalid("avatarUrl", message);
    if raw.len() > AVATAR_URL_MAX {
        return Err(invalid("avatar URL must be at most 2048 characters long"));
    }
    let url = url::Url::parse(raw).map_err(|_| invalid("avatar URL is not a URL"))?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err(invalid("avatar URL must be an https:// URL"));
    }
    Ok(url.to_string())
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
    fn handles_are_normalised_and_checked() {
        assert_eq!(handle("  Alex_99 ").expect("valid"), "alex_99");
        for bad in [
            "ab",
            "9lives",
            "has space",
            "émile",
            "admin",
            &"x".repeat(31),
        ] {
            assert_eq!(field(handle(bad).expect_err(bad)), "handle", "{bad}");
        }
    }

    #[test]
    fn other_fields_name_themselves() {
        assert_eq!(display_name("  Ada  ").expect("valid"), "Ada");
        assert_eq!(field(display_name(" ").expect_err("empty")), "displayName");
        assert_eq!(
            field(display_name("a\u{7}b").expect_err("bell")),
            "displayName"
        );
        assert_eq!(email("Ada@Example.COM").expect("valid"), "ada@example.com");
        assert_eq!(field(email("ada@").expect_err("no domain")), "email");
        assert_eq!(timezone("Europe/Berlin").expect("valid"), "Europe/Berlin");
        assert_eq!(
            field(timezone("Mars/Olympus").expect_err("mars")),
            "timezone"
        );
        assert_eq!(
            avatar_url("https://cdn.example.com/a.png").expect("valid"),
            "https://cdn.example.com/a.png"
        );
        assert_eq!(
            field(avatar_url("http://x.com/a.png").expect_err("http")),
            "avatarUrl"
        );
        assert_eq!(
            field(avatar_url("javascript:alert(1)").expect_err("js")),
            "avatarUrl"
        );
    }
}
