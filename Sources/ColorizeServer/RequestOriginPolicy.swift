import Hummingbird

/// Refuses requests that a web page on another site could make the browser send to the local server.
///
/// DNS rebinding: a page from evil.example re-resolves its own name to 127.0.0.1 and reaches the server
/// with `Host: evil.example`, so only the host names the server was bound for are accepted (any name
/// when bound to all interfaces, where the user chose to be reachable under any name). Cross-site
/// requests: a browser names the page's origin in `Origin`; a POST from an origin other than the
/// server's own (or one listed with `--allow-origin`) is refused with 403. Requests without `Origin`
/// (curl, scripts) are not cross-site and pass, as do requests without `Host` (browsers always send it).
struct RequestOriginPolicy<Context: RequestContext>: RouterMiddleware {
    /// Lower-cased host names accepted in `Host`, or nil to accept any.
    let allowedHosts: Set<String>?
    /// Lower-cased origins (`scheme://host[:port]`) allowed to POST besides the server's own.
    let allowedOrigins: Set<String>

    init(boundHost: String, allowedOrigins: [String]) {
        let host = boundHost.lowercased()
        if ["0.0.0.0", "::", "[::]"].contains(host) {
            allowedHosts = nil
        } else if ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) {
            allowedHosts = ["127.0.0.1", "localhost", "[::1]"]
        } else {
            allowedHosts = [host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host]
        }
        self.allowedOrigins = Set(allowedOrigins.map { $0.lowercased().trimmingSuffix("/") })
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let host = request.head.authority ?? ""
        if let allowedHosts, !host.isEmpty, !allowedHosts.contains(Self.hostName(ofAuthority: host.lowercased())) {
            return jsonResponse(.misdirectedRequest, ["error": "this server does not answer for host \"\(host)\""])
        }
        if request.method == .post, let origin = request.headers[.origin]?.lowercased(),
            !allowedOrigins.contains(origin), Self.authority(ofOrigin: origin) != host.lowercased()
        {
            return jsonResponse(
                .forbidden,
                [
                    "error":
                        "cross-origin request from \(origin) refused (serve with --allow-origin \(origin) to allow it)"
                ])
        }
        return try await next(request, context)
    }

    /// `example.org` of `example.org:8080`, `[::1]` of `[::1]:8080`.
    static func hostName(ofAuthority authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[...end])
        }
        return String(authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// `host:port` of `http://host:port` (the form `Host` takes), or "" for `null` and malformed origins.
    static func authority(ofOrigin origin: String) -> String {
        guard let range = origin.range(of: "://") else { return "" }
        return String(origin[range.upperBound...])
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
