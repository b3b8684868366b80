import Colorization
import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Testing

@testable import ColorizeServer

/// The server on a free loopback port, with a tiny model so requests are quick.
@Suite struct WebApplicationTests {
    static let modelPath: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-web-model-\(UUID().uuidString).safetensors"
        ).path
        try? ModelFile.save(
            Generator(ModelConfiguration(size: 64, widthMultiplier: 0.125)), magicWeights: .uniform(),
            step: 1, stage: "test", to: path)
        return path
    }()

    static func application(
        model: String = modelPath, _ adjust: (inout WebConfiguration) -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        var configuration = WebConfiguration()
        configuration.port = 0
        adjust(&configuration)
        return makeWebApplication(colorizer: try Colorizer(modelPath: model), configuration: configuration)
    }

    static func picture(width: Int = 75, height: Int = 41) -> Image {
        Image(samples: (0..<(width * height)).map { Float($0 % 97) / 97 }, width: width, height: height, channels: 1)
    }

    /// Sends `count` POSTs at once, each on its own connection, and returns their statuses.
    static func concurrentPosts(
        _ count: Int, body: [UInt8], port: Int?, timeout: Duration = .seconds(15),
        onAnswer: @escaping @Sendable () async -> Void = {}
    ) async throws -> [HTTPResponse.Status] {
        let port = try #require(port)
        return try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let connection = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: timeout))
                    connection.connect()
                    let response = try await connection.execute(
                        .init("/api/colorize", method: .post, body: ByteBuffer(bytes: body)))
                    try await connection.shutdown()
                    await onAnswer()
                    return response.status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func colorizesPNGAndJPEGAtTheirSize() async throws {
        try await Self.application().test(.live) { client in
            for (bytes, type) in [
                (try ImageCodec.encodePNG(Self.picture()), "image/png"),
                (try ImageCodec.encodeJPEG(Self.picture()), "image/jpeg"),
            ] {
                try await client.execute(
                    uri: "/api/colorize?temperature=0.3", method: .post, headers: [.contentType: type],
                    body: ByteBuffer(bytes: bytes)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/png")
                    let image = try ImageCodec.decode(Array(buffer: response.body))
                    #expect(image.width == 75 && image.height == 41 && image.color.channels == 3)
                }
            }
        }
    }

    @Test func acceptsMultipartUploads() async throws {
        let png = try ImageCodec.encodePNG(Self.picture())
        let body =
            Array(
                "--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
                    .utf8)
            + png + Array("\r\n--XyZ--\r\n".utf8)
        try await Self.application().test(.live) { client in
            try await client.execute(
                uri: "/api/colorize", method: .post, headers: [.contentType: "multipart/form-data; boundary=XyZ"],
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
                let image = try ImageCodec.decode(Array(buffer: response.body))
                #expect(image.width == 75)
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await Self.application { $0.maxUploadBytes = 10_000 }.test(.live) { client in
            try await client.execute(
                uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: [UInt8](repeating: 7, count: 50_000))
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("larger than"))
            }
        }
    }

    @Test func garbageIs400WithAMessage() async throws {
        try await Self.application().test(.live) { client in
            try await client.execute(
                uri: "/api/colorize", method: .post, body: ByteBuffer(string: "definitely not an image")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("not a PNG or JPEG"))
            }
            var truncated = try ImageCodec.encodeJPEG(Self.picture(width: 200, height: 150))
            truncated.removeLast(truncated.count / 2)
            try await client.execute(uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: truncated)) {
                response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func twentyConcurrentRequestsAreAllAnswered() async throws {
        let png = try ImageCodec.encodePNG(Self.picture())
        try await Self.application {
            $0.concurrentColorizations = 2; $0.queueLimit = 32
        }.test(.live) { client in
            let statuses = try await Self.concurrentPosts(20, body: png, port: client.port)
            #expect(statuses.count == 20)
            #expect(statuses.allSatisfy { $0 == .ok })
        }
    }

    @Test func fullQueueIs503() async throws {
        let png = try ImageCodec.encodePNG(Self.picture())
        var configuration = WebConfiguration()
        configuration.port = 0
        let gate = ColorizationGate(limit: 1, queueLimit: 0)
        let application = makeWebApplication(
            colorizer: try Colorizer(modelPath: Self.modelPath), configuration: configuration, gate: gate)
        try await application.test(.live) { client in
            // Hold the only slot with a job that waits for `release`; with no queue the next upload is refused.
            let (held, release) = AsyncStream<Void>.makeStream()
            let holder = Task { await gate.run { for await _ in held {} } }
            while await gate.running == 0 { await Task.yield() }
            try await client.execute(uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: png)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("server busy"))
            }
            release.finish()
            _ = await holder.value
            try await client.execute(uri: "/api/colorize", method: .post, body: ByteBuffer(bytes: png)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// A temperature that is not a number in 0.01…10 is a 400 naming it, never a NaN
    /// trap that takes the server down; the server answers normally afterwards.
    @Test func badTemperaturesAre400AndTheServerStaysUp() async throws {
        let png = try ImageCodec.encodePNG(Self.picture())
        try await Self.application().test(.live) { client in
            for bad in ["1e-40", "0", "-1", "nan", "abc", "inf", "11"] {
                try await client.execute(
                    uri: "/api/colorize?temperature=\(bad)", method: .post, body: ByteBuffer(bytes: png)
                ) { response in
                    #expect(response.status == .badRequest, "temperature \(bad)")
                    #expect(String(buffer: response.body).contains("temperature must be a number from 0.01 to 10"))
                }
            }
            try await client.execute(uri: "/api/colorize?temperature=0.01", method: .post, body: ByteBuffer(bytes: png))
            {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func healthAndPage() async throws {
        try await Self.application().test(.live) { client in
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"status\":\"ok\""))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let page = String(buffer: response.body)
                #expect(
                    page.contains("<input type=\"file\"") && !page.contains("http://") && !page.contains("https://"))
                // The slider starts at the model's own temperature (0.38 for this test model).
                #expect(page.contains("value=\"0.38\"") && !page.contains("MODEL_TEMPERATURE"))
            }
        }
    }

    @Test func multipartParsing() {
        let body = Array("--b\r\nContent-Type: image/png\r\n\r\nDATA\r\n--b--\r\n".utf8)
        #expect(imageBytes(body, contentType: "multipart/form-data; boundary=b") == Array("DATA".utf8))
        #expect(imageBytes(Array("raw".utf8), contentType: "image/png") == Array("raw".utf8))
    }
}
