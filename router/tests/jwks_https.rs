//! JWKS over https: the router fetches keys from a TLS server it trusts (here through an
//! internal CA given as `jwks_ca`, the fixtures being a test CA and a `localhost`
//! certificate it signed) and refuses one it does not trust.

use std::{path::PathBuf, sync::Arc, time::Duration};

use jsonwebtoken::Header;
use tessera_identity::Ed25519Key;
use tessera_router::auth::{AuthError, AuthOptions, Authenticator, JwksSource};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        crypto::aws_lc_rs,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Serves `body` as JSON over TLS to every connection, until the test ends.
async fn https_server(body: String) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .expect("the fixture certificate")
        .collect::<Result<_, _>>()
        .expect("PEM certificates");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("the fixture key");
    let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a server configuration");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("bound").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = vec![0u8; 4096];
                let _ = tls.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn token(key: &Ed25519Key) -> String {
    let mut header = Header::new(Ed25519Key::ALGORITHM);
    header.kid = Some(key.kid().to_owned());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    jsonwebtoken::encode(
        &header,
        &serde_json::json!({ "sub": "someone", "exp": now + 600, "roles": ["athlete"] }),
        &key.encoding_key(),
    )
    .expect("signs")
}

#[tokio::test]
async fn keys_come_over_https_from_a_trusted_server_only() {
    let key = Ed25519Key::generate("k1").expect("a key");
    let jwks = serde_json::json!({ "keys": [key.jwk()] }).to_string();
    let port = https_server(jwks).await;
    let url = format!("https://localhost:{port}/.well-known/jwks.json");

    let trusting = Authenticator::new(AuthOptions {
        jwks: vec![JwksSource::Url(url.clone())],
        jwks_ca: Some(fixture("ca.pem")),
        min_refresh_interval: Duration::ZERO,
        ..AuthOptions::default()
    })
    .expect("valid options");
    let identity = trusting
        .verify(&token(&key))
        .await
        .expect("verified over https");
    assert_eq!(identity.subject.as_deref(), Some("someone"));
    assert_eq!(identity.roles, ["athlete"]);

    // Without the CA the certificate is not trusted: no keys, and the client is told so.
    let wary = Authenticator::new(AuthOptions {
        jwks: vec![JwksSource::Url(url)],
        min_refresh_interval: Duration::ZERO,
        ..AuthOptions::default()
    })
    .expect("valid options");
    assert_eq!(
        wary.verify(&token(&key)).await,
        Err(AuthError::KeysUnavailable)
    );
}
