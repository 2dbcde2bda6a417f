//! Compression through the router: answers compressed for clients that accept it,
//! request bodies read compressed.

mod common;

use common::Platform;
use serde_json::{Value, json};

/// `body` encoded as `encoding` (gzip, br, deflate or zstd).
async fn encoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = match encoding {
        "gzip" => GzipEncoder::new(body).read_to_end(&mut out).await,
        "br" => BrotliEncoder::new(body).read_to_end(&mut out).await,
        "deflate" => ZlibEncoder::new(body).read_to_end(&mut out).await,
        "zstd" => ZstdEncoder::new(body).read_to_end(&mut out).await,
        other => panic!("no encoder for {other}"),
    };
    read.expect("encoded");
    out
}

/// `body` decoded from `encoding`.
async fn decoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = match encoding {
        "gzip" => GzipDecoder::new(body).read_to_end(&mut out).await,
        "br" => BrotliDecoder::new(body).read_to_end(&mut out).await,
        "deflate" => ZlibDecoder::new(body).read_to_end(&mut out).await,
        "zstd" => ZstdDecoder::new(body).read_to_end(&mut out).await,
        other => panic!("no decoder for {other}"),
    };
    read.expect("decoded");
    out
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it_and_bodies_may_come_compressed() {
    let p = Platform::start(&["workouts"], false).await;
    let request = json!({ "query": "{ exercises(first: 20) { edges { node { name slug muscleGroups equipment } } } }" });
    let send =
        |encoding: Option<&'static str>, content_encoding: Option<&'static str>, body: Vec<u8>| {
            let mut post = p
                .client
                .post(&p.url)
                .header("content-type", "application/json")
                .body(body);
            if let Some(encoding) = encoding {
                post = post.header("accept-encoding", encoding);
            }
            if let Some(encoding) = content_encoding {
                post = post.header("content-encoding", encoding);
            }
            async move {
                let response = post.send().await.expect("the router answers");
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let (status, encoding, vary) = (
                    response.status().as_u16(),
                    header("content-encoding"),
                    header("vary"),
                );
                (
                    status,
                    encoding,
                    vary,
                    response.bytes().await.expect("a body").to_vec(),
                )
            }
        };
    let text = serde_json::to_vec(&request).expect("JSON");

    // Asked for nothing: sent as is.
    let (status, encoding, _, plain) = send(None, None, text.clone()).await;
    assert_eq!((status, encoding), (200, None));
    let answer: Value = serde_json::from_slice(&plain).expect("JSON");
    assert_eq!(
        answer["data"]["exercises"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(20),
        "{answer}"
    );

    for accepted in ["gzip", "br", "deflate", "zstd"] {
        let (status, encoding, vary, body) = send(Some(accepted), None, text.clone()).await;
        assert_eq!((status, encoding.as_deref()), (200, Some(accepted)));
        assert!(vary.is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
        assert!(
            body.len() * 3 < plain.len(),
            "{accepted}: {} of {} bytes",
            body.len(),
            plain.len()
        );
        assert_eq!(decoded(accepted, &body).await, plain, "{accepted}");

        // The request's own body may come encoded the same way.
        let (status, encoding, _, body) =
            send(None, Some(accepted), encoded(accepted, &text).await).await;
        assert_eq!((status, encoding), (200, None), "{accepted}");
        assert_eq!(body, plain, "{accepted}");
    }
    // What Apollo Client on Android (OkHttp) and browsers send.
    let (status, encoding, _, body) =
        send(Some("gzip, deflate, br, zstd"), None, text.clone()).await;
    let encoding = encoding.expect("an encoding");
    assert_eq!(status, 200);
    assert_eq!(decoded(&encoding, &body).await, plain, "{encoding}");

    // Refused, each with its GraphQL error: an encoding not read here, a body that is
    // not what its encoding says, and one that decodes to more than the body limit.
    let bomb = encoded("gzip", &vec![b' '; 3 << 20]).await;
    assert!(bomb.len() < 20_000, "{}", bomb.len());
    for (content_encoding, body, status, code, message) in [
        (
            "compress",
            text.clone(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the request body is encoded as `compress`; send it as is, or as gzip, br, deflate or zstd",
        ),
        (
            "gzip",
            text.clone(),
            400,
            "BAD_REQUEST",
            "the request body could not be read: Failed to buffer the request body: Invalid gzip header",
        ),
        (
            "gzip",
            bomb,
            413,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than 2097152 bytes",
        ),
    ] {
        let (got, encoding, _, body) = send(None, Some(content_encoding), body).await;
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!((got, encoding), (status, None), "{body}");
        assert_eq!(
            body,
            json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
        );
    }
    // And the router goes on serving.
    let (status, _, _, again) = send(None, None, text).await;
    assert_eq!((status, again), (200, plain));
}
