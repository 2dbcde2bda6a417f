//! The data tree a plan's fetches are merged into, built for the router's work on it.
//!
//! A subgraph's answer is parsed in place: strings and keys borrow from the answer's
//! body (held by [`super::fetch::Bodies`] for as long as the request runs), objects are short vectors
//! of members found by comparing keys (a response object has a handful of fields: no
//! hashing, no table per object), and merging moves members instead of copying them.
//! A string that had no escape sequence in the subgraph's text is known to need none
//! when written back ([`Str::Raw`]), so the response copies it as it came.
//!
//! Errors and variables stay apollo-compiler's JSON values; [`Value::to_json`] and
//! [`Value::from_json`] cross over where the full executor shapes a response.

use std::{borrow::Cow, fmt, marker::PhantomData};

use apollo_compiler::response::{JsonMap, JsonValue};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value of the data tree; `'a` is the life of the subgraph answers it borrows.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value<'a> {
    /// `null`, or a missing field's place.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number as the subgraph sent it (parsed).
    Number(serde_json::Number),
    /// A string.
    String(Str<'a>),
    /// A list.
    Array(Vec<Value<'a>>),
    /// An object.
    Object(Map<'a>),
}

/// A string of the data tree.
#[derive(Clone)]
pub enum Str<'a> {
    /// Text of a subgraph's answer that had no escape sequence: it holds no quote,
    /// backslash or control character (JSON allows none unescaped), so it is written
    /// back byte for byte.
    Raw(&'a str),
    /// Any other string: escaped when written.
    Owned(Box<str>),
}

impl Str<'_> {
    /// The string.
    pub fn as_str(&self) -> &str {
        match self {
            Str::Raw(s) => s,
            Str::Owned(s) => s,
        }
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// An object of the data tree: its members in order, each key once.
#[derive(Debug, Clone, Default)]
pub struct Map<'a> {
    members: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl PartialEq for Map<'_> {
    /// The same members, in any order (as JSON objects compare).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<'a> Map<'a> {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty object with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            members: Vec::with_capacity(n),
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.members.iter().position(|(k, _)| k.as_ref() == key)
    }

    /// The member `key`'s value.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.members
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    /// The member `key`'s value, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        self.members
            .iter_mut()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Sets member `key` (in its place when it exists, else last); its old value.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) -> Option<Value<'a>> {
        let key = key.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.members[i].1, value)),
            None => {
                self.members.push((key, value));
                None
            }
        }
    }

    /// Removes member `key`, keeping the others in order.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        let i = self.position(key)?;
        Some(self.members.remove(i).1)
    }

    /// Renames member `from` to `to` (replacing any member `to`).
    pub fn rename(&mut self, from: &str, to: impl Into<Cow<'a, str>>) {
        if let Some(value) = self.remove(from) {
            self.insert(to, value);
        }
    }

    /// Renames each member whose key `rename` maps to another, in its place (a member
    /// already under the new key takes the value, as [`Map::insert`] does).
    pub fn rekey(&mut self, rename: impl Fn(&str) -> Option<&str>) {
        if !self.members.iter().any(|(k, _)| rename(k).is_some()) {
            return;
        }
        let old = std::mem::take(&mut self.members);
        for (key, value) in old {
            match rename(&key) {
                Some(new) => {
                    let new = new.to_owned();
                    self.insert(new, value)
                }
                None => self.insert(key, value),
            };
        }
    }

    /// The members in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value<'a>)> {
        self.members.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The values in order, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value<'a>> {
        self.members.iter_mut().map(|(_, v)| v)
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there is no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Merges `source` in: each member merged into this object's member of the same
    /// key ([`Value::merge`]), or added last.
    pub fn merge(&mut self, source: Map<'a>) {
        if self.members.is_empty() {
            *self = source;
            return;
        }
        for (key, value) in source.members {
            match self.position(&key) {
                Some(i) => self.members[i].1.merge(value),
                None => self.members.push((key, value)),
            }
        }
    }

    /// [`Map::merge`] of a copy of `source`, copying only what this object lacks.
    pub fn merge_ref(&mut self, source: &Map<'a>) {
        for (key, value) in &source.members {
            match self.position(key) {
                Some(i) => self.members[i].1.merge_ref(value),
                None => self.members.push((key.clone(), value.clone())),
            }
        }
    }
}

impl<'a> Value<'a> {
    /// An owned string value.
    pub fn string(s: impl Into<Box<str>>) -> Self {
        Value::String(Str::Owned(s.into()))
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map<'a>> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value<'a>>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// Whether this is an integer that fits an `i64`.
    pub fn is_i64(&self) -> bool {
        matches!(self, Value::Number(n) if n.is_i64())
    }

    /// Whether this is a number with a fraction or an exponent (serde_json's `f64`).
    pub fn is_f64(&self) -> bool {
        matches!(self, Value::Number(n) if n.is_f64())
    }

    /// The number as an `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// Merges `source` into this value: objects key by key, lists item by item,
    /// anything else replaced (a `null` never overwrites a value).
    pub fn merge(&mut self, source: Value<'a>) {
        match (self, source) {
            (Value::Object(t), Value::Object(s)) => t.merge(s),
            (Value::Array(t), Value::Array(s)) if t.len() == s.len() => {
                for (existing, value) in t.iter_mut().zip(s) {
                    existing.merge(value);
                }
            }
            (_, Value::Null) => {}
            (t, s) => *t = s,
        }
    }

    /// [`Value::merge`] of a copy of `source`, copying only what this value lacks: an
    /// entity that stands for several objects is merged into each without copying it
    /// whole.
    pub fn merge_ref(&mut self, source: &Value<'a>) {
        match (self, source) {
            (Value::Object(t), Value::Object(s)) => t.merge_ref(s),
            (Value::Array(t), Value::Array(s)) if t.len() == s.len() => {
                for (existing, value) in t.iter_mut().zip(s) {
                    existing.merge_ref(value);
                }
            }
            (_, Value::Null) => {}
            (t, s) => *t = s.clone(),
        }
    }

    /// Appends this value as compact JSON text, byte for byte what `serde_json` writes
    /// for [`Value::to_json`]'s value.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(n) => crate::json::write_number(out, n),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Value::Object(map) => {
                out.push(b'{');
                for (i, (key, item)) in map.members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    crate::json::write_str(out, key);
                    out.push(b':');
                    item.write(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The value as apollo-compiler's JSON (for the full executor and the caches).
    pub fn to_json(&self) -> JsonValue {
        match self {
            Value::Null => JsonValue::Null,
            Value::Bool(b) => JsonValue::Bool(*b),
            Value::Number(n) => JsonValue::Number(n.clone()),
            Value::String(s) => JsonValue::String(s.as_str().into()),
            Value::Array(items) => JsonValue::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(map) => JsonValue::Object(map.to_json()),
        }
    }

    /// apollo-compiler's JSON as a data tree value (owning its strings).
    pub fn from_json(value: &JsonValue) -> Value<'static> {
        match value {
            JsonValue::Null => Value::Null,
            JsonValue::Bool(b) => Value::Bool(*b),
            JsonValue::Number(n) => Value::Number(n.clone()),
            JsonValue::String(s) => Value::string(s.as_str()),
            JsonValue::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            JsonValue::Object(map) => Value::Object(Map {
                members: map
                    .iter()
                    .map(|(k, v)| (Cow::Owned(k.as_str().to_owned()), Value::from_json(v)))
                    .collect(),
            }),
        }
    }
}

impl Map<'_> {
    /// The object as apollo-compiler's JSON.
    pub fn to_json(&self) -> JsonMap {
        self.iter().map(|(k, v)| (k.into(), v.to_json())).collect()
    }
}

/// Appends `s` as a JSON string: a raw string as it came, any other escaped.
pub fn write_str(out: &mut Vec<u8>, s: &Str<'_>) {
    match s {
        Str::Raw(raw) => {
            out.reserve(raw.len() + 2);
            out.push(b'"');
            out.extend_from_slice(raw.as_bytes());
            out.push(b'"');
        }
        Str::Owned(owned) => crate::json::write_str(out, owned),
    }
}

/// Parses JSON text into a data tree borrowing from `text`.
pub fn from_slice(text: &[u8]) -> Result<Value<'_>, serde_json::Error> {
    serde_json::from_slice(text)
}

impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor(PhantomData))
    }
}

struct ValueVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ValueVisitor<'a> {
    type Value = Value<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value<'a>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'a>, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value<'a>, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value<'a>, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value<'a>, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value<'a>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    /// Only text without an escape sequence is lent by `serde_json` (the rest is
    /// unescaped into a buffer): [`Str::Raw`]'s promise.
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value<'a>, E> {
        Ok(Value::String(Str::Raw(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value<'a>, E> {
        Ok(Value::string(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value<'a>, E> {
        Ok(Value::string(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'a>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'a>, A::Error> {
        let mut members: Vec<(Cow<'a, str>, Value<'a>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(Key(key)) = map.next_key()? {
            let value: Value<'a> = map.next_value()?;
            members.push((key, value));
        }
        Ok(Value::Object(Map {
            members: without_repeats(members),
        }))
    }
}

/// Up to this many members, a repeated key is looked for by comparing keys; above, by
/// hashing them (a JSON scalar may hold an object of any size).
const COMPARED: usize = 16;

/// `members` with each key once: JSON allows a key twice, and then the last value
/// counts, in the key's first place (as for serde_json's maps).
fn without_repeats<'a>(members: Vec<(Cow<'a, str>, Value<'a>)>) -> Vec<(Cow<'a, str>, Value<'a>)> {
    let repeated = if members.len() <= COMPARED {
        (1..members.len()).any(|i| members[..i].iter().any(|(k, _)| *k == members[i].0))
    } else {
        let mut seen = std::collections::HashSet::with_capacity_and_hasher(
            members.len(),
            ahash::RandomState::new(),
        );
        !members.iter().all(|(k, _)| seen.insert(k.as_ref()))
    };
    if !repeated {
        return members;
    }
    let mut places: std::collections::HashMap<String, usize, ahash::RandomState> =
        std::collections::HashMap::default();
    let mut kept: Vec<(Cow<'a, str>, Value<'a>)> = Vec::with_capacity(members.len());
    for (key, value) in members {
        match places.get(key.as_ref()) {
            Some(&i) => kept[i].1 = value,
            None => {
                places.insert(key.to_string(), kept.len());
                kept.push((key, value));
            }
        }
    }
    kept
}

/// An object key, borrowed from the text when it has no escape sequence.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_float_is_read_correctly_rounded_and_written_back_as_javascript_does() {
        // serde_json's default float parser may be one unit in the last place off, so
        // `123456789.123456789` came back as `123456789.1234568`, where JSON.parse (and
        // so a JavaScript subgraph and the reference routers) gives
        // `123456789.12345679`. Found by the json fuzz target
        // (fuzz/regressions/json/float-not-correctly-rounded).
        let text = b"[123456789.123456789,0.100,5e-162,1844674407370955161616]";
        let mut written = Vec::new();
        from_slice(text).expect("valid JSON").write(&mut written);
        assert_eq!(
            String::from_utf8_lossy(&written),
            "[123456789.12345679,0.1,5e-162,1.8446744073709552e+21]"
        );
    }

    #[test]
    fn strings_without_escapes_are_borrowed_and_written_back_as_they_came() {
        let text = br#"{"a":"plain","b":"tab\there \"quoted\" \u00e9","c":[1,-2,3.5,true,null],"d":{"e\u0041":"x"}}"#;
        let value = from_slice(text).expect("valid JSON");
        let Value::Object(map) = &value else {
            panic!("an object")
        };
        assert!(matches!(
            map.get("a"),
            Some(Value::String(Str::Raw("plain")))
        ));
        assert!(matches!(map.get("b"), Some(Value::String(Str::Owned(_)))));
        assert_eq!(
            map.get("b").and_then(Value::as_str),
            Some("tab\there \"quoted\" é")
        );
        // A key with an escape is unescaped like any string.
        assert!(
            map.get("d")
                .and_then(Value::as_object)
                .is_some_and(|d| d.get("eA").is_some())
        );
        // Written back: byte for byte what serde_json writes for the same value.
        let mut written = Vec::new();
        value.write(&mut written);
        let json: JsonValue = serde_json::from_slice(text).expect("valid JSON");
        assert_eq!(written, serde_json::to_vec(&json).expect("writes"));
        assert_eq!(value.to_json(), json);
        assert_eq!(Value::from_json(&json), value);
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value_in_its_first_place() {
        let value = from_slice(br#"{"a":1,"b":2,"a":3}"#).expect("valid JSON");
        let mut out = Vec::new();
        value.write(&mut out);
        assert_eq!(out, br#"{"a":3,"b":2}"#);
    }

    #[test]
    fn a_large_object_with_a_repeated_key_keeps_each_key_once() {
        let members: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{},\"k7\":\"last\"}}", members.join(","));
        let value = from_slice(text.as_bytes()).expect("valid JSON");
        let map = value.as_object().expect("an object");
        assert_eq!(map.len(), 100);
        assert_eq!(map.get("k7").and_then(Value::as_str), Some("last"));
        assert_eq!(
            map.iter().nth(7).map(|(k, _)| k),
            Some("k7"),
            "in its first place"
        );
        assert_eq!(
            value.to_json(),
            serde_json::from_str::<JsonValue>(&text).expect("JSON")
        );
    }

    #[test]
    fn merging_moves_or_copies_only_what_the_target_lacks() {
        let base = || from_slice(br#"{"a":{"x":1},"l":[{"k":1},{"k":2}],"n":5}"#).expect("JSON");
        let source =
            from_slice(br#"{"a":{"y":2},"l":[{"m":1},{"m":2}],"n":null,"z":"new"}"#).expect("JSON");
        let expected =
            from_slice(br#"{"a":{"x":1,"y":2},"l":[{"k":1,"m":1},{"k":2,"m":2}],"n":5,"z":"new"}"#)
                .expect("JSON");
        let mut moved = base();
        moved.merge(source.clone());
        let mut copied = base();
        copied.merge_ref(&source);
        assert_eq!(moved, expected);
        assert_eq!(copied, expected);
        // Lists of another length are replaced, not merged.
        let mut replaced = base();
        replaced.merge(from_slice(br#"{"l":[]}"#).expect("JSON"));
        assert_eq!(
            replaced.as_object().and_then(|m| m.get("l")),
            Some(&Value::Array(vec![]))
        );
    }
}
