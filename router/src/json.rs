//! Compact JSON text of the data tree, byte for byte what `serde_json` writes, with
//! strings escaped eight bytes at a time: most strings of a response need no escape,
//! and the router writes every one of them (responses, representations, subgraph
//! requests).

use apollo_compiler::response::JsonValue;

/// Appends `value` as compact JSON text.
pub fn write_value(out: &mut Vec<u8>, value: &JsonValue) {
    match value {
        JsonValue::Null => out.extend_from_slice(b"null"),
        JsonValue::Bool(true) => out.extend_from_slice(b"true"),
        JsonValue::Bool(false) => out.extend_from_slice(b"false"),
        JsonValue::Number(n) => write_number(out, n),
        JsonValue::String(s) => write_str(out, s.as_str()),
        JsonValue::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        JsonValue::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key.as_str());
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// Appends the number `n` as `serde_json` writes it (integers straight as digits).
pub fn write_number(out: &mut Vec<u8>, n: &serde_json::Number) {
    if let Some(u) = n.as_u64() {
        out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
    } else if let Some(i) = n.as_i64() {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    } else {
        // Writing into memory cannot fail.
        let _ = serde_json::to_writer(&mut *out, n);
    }
}

/// Appends a GraphQL name (a type, field or key: `[_A-Za-z][_0-9A-Za-z]*`, nothing to
/// escape) as a JSON string, without looking for escapes.
pub fn write_name(out: &mut Vec<u8>, name: &str) {
    debug_assert!(
        name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "{name:?} is not a GraphQL name"
    );
    out.reserve(name.len() + 2);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`
/// … or `\u00XX`, everything else as it is (as `serde_json` does).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !may_need_any_escape(bytes) {
        // Most strings (ids, names): one copy.
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut clean = 0; // start of the run not written yet
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            if may_need_escape(word) == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        while i < end {
            let byte = bytes[i];
            if needs_escape(byte) {
                out.extend_from_slice(&bytes[clean..i]);
                escape(out, byte);
                clean = i + 1;
            }
            i += 1;
        }
    }
    out.extend_from_slice(&bytes[clean..]);
    out.push(b'"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero when any byte of `word` may be `"`, `\` or below 0x20 (never zero when one
/// is; sometimes non-zero when none is, which only costs a byte-wise look).
fn may_need_escape(word: u64) -> u64 {
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    control
        | zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
}

/// Whether any byte of `bytes` may need escaping ([`may_need_escape`], word by word;
/// the tail padded with spaces, which never do).
fn may_need_any_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut any = 0;
    for word in &mut words {
        any |= may_need_escape(u64::from_le_bytes(word.try_into().unwrap_or_default()));
    }
    let tail = words.remainder();
    let mut last = [b' '; 8];
    last[..tail.len()].copy_from_slice(tail);
    any |= may_need_escape(u64::from_le_bytes(last));
    any != 0
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xf)],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_vec(value: &JsonValue) -> Vec<u8> {
        let mut out = Vec::new();
        write_value(&mut out, value);
        out
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let numbers: Vec<serde_json::Number> = [
            "0",
            "7",
            "-1",
            "18446744073709551615",
            "-9223372036854775808",
            "1.5",
            "1.0",
            "-0.25",
            "1e300",
            "2.5e-8",
            "123456789.125",
        ]
        .iter()
        .map(|text| serde_json::from_str(text).expect("a number"))
        .collect();
        for n in numbers {
            let mut out = Vec::new();
            write_number(&mut out, &n);
            assert_eq!(
                String::from_utf8(out).expect("UTF-8"),
                serde_json::to_string(&n).expect("writes")
            );
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "exactly8".into(),
            "a\"quote and a \\ backslash".into(),
            "tab\there, line\nthere, \r, \u{8}, \u{c}, \u{1}, \u{1f}, \u{7f}".into(),
            "unicode: é, 漢字, 🏋️ and </script>".into(),
        ];
        // Every byte below 0x80 at every position of a chunk, across chunk ends, and
        // last (in the tail shorter than a chunk).
        for c in 0u8..0x80 {
            for at in 0..17 {
                let mut s = "x".repeat(at);
                s.push(char::from(c));
                cases.push(s.clone());
                s.push_str("yyyyyyyy");
                cases.push(s);
            }
        }
        for s in cases {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            assert_eq!(
                String::from_utf8(ours).expect("UTF-8"),
                serde_json::to_string(&s).expect("serializes"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn names_are_written_as_strings() {
        let mut out = Vec::new();
        write_name(&mut out, "__typename");
        write_name(&mut out, "Product_2");
        assert_eq!(out, br#""__typename""Product_2""#);
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let value: JsonValue = serde_json::from_str(
            r#"{"a": [1, -2, 3.5, 1e300, 0.1, true, false, null, "s\"t"], "b": {}, "c": [],
                "d": {"e\n": {"f": [[], [{}]]}}, "g": 18446744073709551615}"#,
        )
        .expect("valid JSON");
        assert_eq!(
            String::from_utf8(to_vec(&value)).expect("UTF-8"),
            serde_json::to_string(&value).expect("serializes")
        );
    }
}
