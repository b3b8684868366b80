import Colorization
import Foundation
import Hummingbird
import HummingbirdCore
import Imaging

/// The web UI and its JSON/HTTP API, served by Hummingbird:
///   GET  /                 the single page (everything inline: no external resources)
///   GET  /api/health       {"status":"ok","model":…}
///   POST /api/colorize     an image body (raw bytes or multipart/form-data) → PNG of the same size;
///                          `?temperature=T` (0.01…10) sets the colour temperature, `?hints=JSON`
///                          colour hints ([{"x": 120, "y": 45, "color": "#c0392b"}, …], image pixels),
///                          `?reference=ID[,ID…]` colour references uploaded before.
///   POST /api/reference    a colour photo body (as for colorize) → {"id": …}:
///                          kept for `?reference=` (the 16 most recently used; 404 for one that has gone).
/// Errors are JSON {"error": message}: 400 bad image or temperature, 403 cross-origin POST, 408 upload
/// too slow, 413 body too large (refused from `Content-Length` before any body is read), 421 unknown
/// `Host`, 503 busy.
public struct WebConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var maxUploadBytes = 25 << 20
    public var pixelLimit = ImageCodec.defaultPixelLimit
    public var concurrentColorizations = 2
    public var queueLimit = 16
    /// Origins besides the server's own allowed to POST (see `RequestOriginPolicy`).
    public var allowedOrigins: [String] = []
    /// A connection that sends nothing for this long, mid-request or between requests, is closed.
    public var idleTimeoutSeconds: Int64 = 30
    /// An upload must arrive completely within this time (stops bodies trickled in byte by byte).
    public var uploadTimeoutSeconds: Int64 = 120
    /// Open connections beyond this wait in the kernel's backlog instead of using up file descriptors.
    public var maxConnections = 256

    public init() {}
}

public func makeWebApplication(colorizer: Colorizer, configuration: WebConfiguration) -> some ApplicationProtocol {
    makeWebApplication(
        colorizer: colorizer, configuration: configuration,
        gate: ColorizationGate(limit: configuration.concurrentColorizations, queueLimit: configuration.queueLimit))
}

/// The application around a given gate, so tests can hold its slots and see the 503 without racing.
func makeWebApplication(
    colorizer: Colorizer, configuration: WebConfiguration, gate: ColorizationGate
) -> some ApplicationProtocol {
    // Rendered once: the page only depends on the model's temperature.
    let page = ByteBuffer(string: WebPage.html(temperature: colorizer.metadata.configuration.temperature))
    let store = ReferenceStore()
    let router = Router()
    router.add(
        middleware: RequestOriginPolicy(boundHost: configuration.host, allowedOrigins: configuration.allowedOrigins))
    router.get("/") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: page))
    }
    router.get("/api/health") { _, _ in
        jsonResponse(
            .ok,
            [
                "status": "ok", "model": "\(colorizer.metadata.stage) step \(colorizer.metadata.step)",
                "size": String(colorizer.metadata.configuration.size),
                "hints": String(colorizer.acceptsHints),
                "references": String(colorizer.acceptsReferences),
            ])
    }
    router.post("/api/reference") { request, _ -> Response in
        // Refused before the body is read: no upload can help a model that cannot match.
        guard colorizer.acceptsReferences else {
            return jsonResponse(.badRequest, ["error": "this server's model cannot take colour references"])
        }
        let bytes: [UInt8]
        switch await upload(request, configuration) {
        case .success(let body): bytes = body
        case .failure(let refusal): return refusal.response
        }
        let result: Result<ColorReference, any Error>? = await gate.run {
            await runBlocking(niceness: 10) {
                Result { () throws -> ColorReference in
                    let image = try ImageCodec.decode(bytes, name: "reference", pixelLimit: configuration.pixelLimit)
                    return try colorizer.reference(image, name: "the uploaded reference")
                }
            }
        }
        switch result {
        case .success(let reference)?:
            let id = await store.add(reference)
            return jsonResponse(.ok, ["id": id])
        case .failure(let error)?:
            return jsonResponse(.badRequest, ["error": "\(error)"])
        case nil:
            return busy()
        }
    }
    router.post("/api/colorize") { request, _ -> Response in
        let bytes: [UInt8]
        switch await upload(request, configuration) {
        case .success(let body): bytes = body
        case .failure(let refusal): return refusal.response
        }
        let temperature: Double?
        if let text = request.uri.queryParameters.get("temperature") {
            guard let value = Double(String(text)), ModelConfiguration.temperatureRange.contains(value) else {
                return jsonResponse(
                    .badRequest, ["error": "temperature must be a number from 0.01 to 10 (got \(text))"])
            }
            temperature = value
        } else {
            temperature = nil
        }
        let hints: [ColorHint]
        do {
            hints =
                try request.uri.queryParameters.get("hints").map { text throws(HintError) in
                    try ColorHint.list(json: Data(String(text).utf8), source: "hints")
                } ?? []
        } catch {
            return jsonResponse(.badRequest, ["error": "\(error)"])
        }
        if !hints.isEmpty && !colorizer.acceptsHints {
            return jsonResponse(.badRequest, ["error": HintError.modelTakesNoHints("this server's model").description])
        }
        let ids = request.uri.queryParameters.get("reference").map { $0.split(separator: ",").map(String.init) } ?? []
        let references: [ColorReference]
        switch await store.references(ids) {
        case .success(let found): references = found
        case .failure(let unknown):
            return jsonResponse(
                .notFound, ["error": "reference \(unknown.id) is not kept (any more): upload it again"])
        }
        let result: Result<[UInt8], any Error>? = await gate.run {
            await runBlocking(niceness: 10) {
                Result { () throws -> [UInt8] in
                    let pixels = try ImageCodec.decodePixels(
                        bytes, name: "upload", pixelLimit: configuration.pixelLimit)
                    for hint in hints { try hint.check(width: pixels.width, height: pixels.height) }
                    return try ImageCodec.encode(
                        colorizer.colorize(pixels, hints: hints, references: references, temperature: temperature),
                        as: .png)
                }
            }
        }
        switch result {
        case .success(let png)?:
            return Response(
                status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        case .failure(let error)?:
            return jsonResponse(.badRequest, ["error": "\(error)"])
        case nil:
            return busy()
        }
    }
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "colorize",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)))
}

/// The 503 of a request the colorization gate has no room for.
func busy() -> Response {
    jsonResponse(.serviceUnavailable, ["error": "server busy: too many colorizations queued, try again shortly"])
}

/// An upload refused before it was read in full, with the answer to give.
struct UploadRefusal: Error {
    var response: Response
}

/// The image bytes of a POST body (raw or the first multipart part), or the answer refusing it:
/// 413 over `maxUploadBytes` (from `Content-Length` before reading, when given), 408 too slow.
func upload(_ request: Request, _ configuration: WebConfiguration) async -> Result<[UInt8], UploadRefusal> {
    let tooLarge = UploadRefusal(
        response: jsonResponse(
            .contentTooLarge, ["error": "upload larger than \(configuration.maxUploadBytes / (1 << 20)) MB"]))
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxUploadBytes {
        return .failure(tooLarge)
    }
    switch await collectBody(
        of: request, upTo: configuration.maxUploadBytes, within: .seconds(configuration.uploadTimeoutSeconds))
    {
    case .success(let body):
        return .success(imageBytes(Array(buffer: body), contentType: request.headers[.contentType]))
    case .failure(.tooLarge): return .failure(tooLarge)
    case .failure(.tooSlow):
        return .failure(
            UploadRefusal(
                response: jsonResponse(
                    .requestTimeout, ["error": "upload not complete within \(configuration.uploadTimeoutSeconds) s"])))
    }
}

/// Why an upload was not read.
enum UploadError: Error {
    case tooLarge, tooSlow
}

/// The request body, or why not: larger than `limit`, or not complete within `timeout`.
func collectBody(
    of request: Request, upTo limit: Int, within timeout: Duration
) async -> Result<
    ByteBuffer, UploadError
> {
    await withTaskGroup(of: Result<ByteBuffer, UploadError>.self) { group in
        group.addTask {
            var request = request
            do { return .success(try await request.collectBody(upTo: limit)) } catch { return .failure(.tooLarge) }
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return .failure(.tooSlow)
        }
        let first = await group.next() ?? .failure(.tooSlow)
        group.cancelAll()
        return first
    }
}

func jsonResponse(_ status: HTTPResponse.Status, _ fields: [String: String]) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The image inside a multipart/form-data body (its first part), or the body itself.
func imageBytes(_ body: [UInt8], contentType: String?) -> [UInt8] {
    guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
        let boundaryField = contentType.split(separator: ";").first(where: {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("boundary=")
        })
    else { return body }
    let boundary =
        Array("--".utf8)
        + Array(
            boundaryField.trimmingCharacters(in: .whitespaces).dropFirst("boundary=".count).trimmingCharacters(
                in: CharacterSet(charactersIn: "\"")
            ).utf8)
    let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
    guard let start = body.firstRange(of: boundary), let headers = body[start.upperBound...].firstRange(of: headerEnd)
    else { return body }
    let content = body[headers.upperBound...]
    guard let end = content.firstRange(of: Array("\r\n".utf8) + boundary) else { return Array(content) }
    return Array(content[content.startIndex..<end.lowerBound])
}
