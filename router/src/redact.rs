//! What the router may write of a GraphQL document in its log: its shape, never its
//! values. A document can carry a password or a refresh token inline (`signIn(input:
//! {password: "…"})`), so every string becomes `"<redacted>"`, every number `0`, and
//! comments go; names, punctuators and variables' names stay, so the operation can
//! still be told apart.

use apollo_parser::{Lexer, TokenKind};

/// The most characters of a redacted document written to the log.
pub const LOGGED_CHARS: usize = 500;

/// `document` with its literals replaced and its whitespace collapsed, at most
/// [`LOGGED_CHARS`] characters (then ending in `…`).
pub fn redacted(document: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for token in Lexer::new(document) {
        let Ok(token) = token else {
            // Text the lexer cannot read may be a broken string: it is not written.
            push(&mut out, &mut space, "<unreadable>");
            continue;
        };
        match token.kind() {
            TokenKind::Whitespace | TokenKind::Comma | TokenKind::Comment => space = true,
            TokenKind::Eof => break,
            TokenKind::StringValue => push(&mut out, &mut space, "\"<redacted>\""),
            TokenKind::Int | TokenKind::Float => push(&mut out, &mut space, "0"),
            _ => push(&mut out, &mut space, token.data()),
        }
        if out.chars().count() > LOGGED_CHARS {
            let cut: String = out.chars().take(LOGGED_CHARS).collect();
            return cut + "…";
        }
    }
    out
}

fn push(out: &mut String, space: &mut bool, text: &str) {
    if *space && !out.is_empty() {
        out.push(' ');
    }
    *space = false;
    out.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_logged_without_its_values() {
        let document = r#"
            # sign in as alex, password hunter2
            mutation SignIn($scope: String) {
              signIn(input: { email: "alex@example.com", password: "hunter2", attempts: 3, ratio: 0.5 }) {
                accessToken
                refreshToken
              }
              again: refreshSession(refreshToken: """a block
                secret""")
            }"#;
        let logged = redacted(document);
        assert_eq!(
            logged,
            "mutation SignIn($scope: String) { signIn(input: { email: \"<redacted>\" \
             password: \"<redacted>\" attempts: 0 ratio: 0 }) { accessToken refreshToken } \
             again: refreshSession(refreshToken: \"<redacted>\") }"
        );
        for secret in [
            "alex@example.com",
            "hunter2",
            "secret",
            "3",
            "0.5",
            "sign in as",
        ] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
    }

    #[test]
    fn a_long_or_broken_document_is_cut_and_never_leaks() {
        let long = format!("{{ {} }}", "field ".repeat(1_000));
        let logged = redacted(&long);
        assert_eq!(logged.chars().count(), LOGGED_CHARS + 1);
        assert!(logged.ends_with('…'));
        let broken = redacted(r#"{ signIn(password: "unterminated secret"#);
        assert!(!broken.contains("secret"), "{broken}");
    }
}
