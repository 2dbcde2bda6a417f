//! What the router's unit tests share: a subgraph stand-in served over real HTTP.

/// Serves `app` on a free port of 127.0.0.1 for the rest of the test; its `/graphql`
/// URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/graphql")
}
