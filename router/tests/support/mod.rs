//! What the Redis integration tests share: the URL (or the reason to skip) and a relay
//! that can cut the connection to Redis mid-run.

#![allow(dead_code)] // each test binary uses a part

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{net::TcpListener, task::JoinSet};

/// `REDIS_URL`, or `None` after saying on stderr that `what` is skipped.
pub fn redis_url(what: &str) -> Option<String> {
    let url = std::env::var("REDIS_URL").ok();
    if url.is_none() {
        eprintln!("REDIS_URL is not set: skipping {what}");
    }
    url
}

/// `host:port` of a `redis://host:port[/]` URL.
pub fn redis_address(url: &str) -> String {
    url.trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned()
}

/// A TCP relay to Redis that can be cut and restored on the same port: what a lost
/// connection looks like to the limiter.
pub struct Relay {
    accept: tokio::task::JoinHandle<()>,
    conns: Arc<Mutex<JoinSet<()>>>,
}

impl Relay {
    /// Relays `listen` (port 0: any) to `target`; returns the bound address.
    pub async fn start(listen: SocketAddr, target: String) -> (Self, SocketAddr) {
        let listener = TcpListener::bind(listen).await.expect("the relay binds");
        let addr = listener.local_addr().expect("bound");
        let conns = Arc::new(Mutex::new(JoinSet::new()));
        let tracked = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                tracked.lock().expect("not poisoned").spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        (Self { accept, conns }, addr)
    }

    /// A relay on any free port to the Redis at `url`, and the port's address.
    pub async fn to_redis(url: &str) -> (Self, SocketAddr) {
        let any = "127.0.0.1:0".parse().expect("an address");
        Self::start(any, redis_address(url)).await
    }

    /// A cut relay at `addr` to the Redis at `url` restored: Redis is back.
    pub async fn restore(addr: SocketAddr, url: &str) -> Self {
        Self::start(addr, redis_address(url)).await.0
    }

    /// Drops the listener and every relayed connection.
    pub fn cut(self) {
        self.accept.abort();
        self.conns.lock().expect("not poisoned").abort_all();
    }
}
