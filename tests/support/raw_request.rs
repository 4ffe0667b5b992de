//! An `http::Request` as the bytes a client sends (HTTP/1.1, `Host` from the URI, an explicit
//! `Content-Length`), for `StandIn::respond_raw`.

pub fn raw(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\n",
        request.method(),
        request.uri().path_and_query().unwrap(),
        request.uri().authority().unwrap()
    )
    .into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", request.body().len()).as_bytes());
    out.extend_from_slice(request.body());
    out
}
