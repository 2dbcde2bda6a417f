//! The data tree's parser and writer (`executor::tree`) and the response writer
//! (`json`), against `serde_json`: the same texts accepted, byte for byte the same
//! text written, and what is written parses back to the same tree.

use tessera_router::executor::tree::{self, Value};

/// Runs the target on `input`.
pub fn run(input: &[u8]) {
    if let Ok(text) = std::str::from_utf8(input) {
        // Any string, escaped as serde_json escapes it.
        let mut ours = Vec::new();
        tessera_router::json::write_str(&mut ours, text);
        let expected = serde_json::to_vec(text).expect("a string serialises");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&expected),
            "json::write_str of {text:?}"
        );
    }
    let reference = serde_json::from_slice::<serde_json::Value>(input);
    let ours = tree::from_slice(input);
    let (ours, reference) = match (ours, reference) {
        (Ok(ours), Ok(reference)) => (ours, reference),
        (Err(_), Err(_)) => return,
        (Ok(ours), Err(err)) => {
            panic!("the data tree accepts what serde_json refuses ({err}): {ours:?}")
        }
        (Err(err), Ok(reference)) => {
            panic!("the data tree refuses ({err}) what serde_json reads: {reference}")
        }
    };
    let expected = serde_json::to_vec(&reference).expect("a value serialises");
    let written = text_of(&ours);
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&expected),
        "Value::write"
    );
    let mut response = Vec::new();
    tessera_router::json::write_value(&mut response, &ours.to_json());
    assert_eq!(
        String::from_utf8_lossy(&response),
        String::from_utf8_lossy(&expected),
        "json::write_value of Value::to_json"
    );
    let again = tree::from_slice(&written).expect("what the writer wrote parses");
    assert_eq!(again, ours, "the round trip");
    assert_eq!(text_of(&again), written, "the round trip's text");
    let owned = Value::from_json(&ours.to_json());
    assert_eq!(
        text_of(&owned),
        written,
        "Value::from_json of Value::to_json"
    );
}

fn text_of(value: &Value<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    value.write(&mut out);
    out
}
