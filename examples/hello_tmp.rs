use axum::routing::post;
#[tokio::main]
async fn main() {
    let app = axum::Router::new().route(
        "/api/v1/testing/rounds/1/ops",
        post(|_b: axum::body::Bytes| async { "{\"status\":\"accepted\"}" }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:18081")
        .await
        .unwrap();
    axum::serve(l, app).await.unwrap();
}
