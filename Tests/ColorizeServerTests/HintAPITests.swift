import Colorization
import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Testing

@testable import ColorizeServer

/// `POST /api/colorize?hints=JSON`: refused with a 400 that says why (unparsable, outside the
/// image, a model without hints), a PNG from a hint-taking model.
@Suite struct HintAPITests {
    static let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Models/default.safetensors").standardized.path

    /// The shipped model, which must take hints: a failure, not a skip, if it does not.
    static func requireHintModel() throws -> String {
        let colorizer = try Colorizer(modelPath: shippedModel)
        try #require(
            colorizer.acceptsHints,
            "Models/default.safetensors takes no colour hints: ship one trained with `colorize pretrain --hints`")
        return shippedModel
    }

    static func uri(hints: String) -> String {
        "/api/colorize?hints=" + (hints.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? hints)
    }

    @Test func unparsableHintsAre400() async throws {
        let png = try ImageCodec.encodePNG(WebApplicationTests.picture())
        // Parsed before the model is asked, so the tiny hintless model serves.
        try await WebApplicationTests.application().test(.live) { client in
            for (hints, message) in [
                ("not json", "not JSON"), (#"[{"x":3}]"#, "a hint has no"),
                (#"[{"x":3,"y":4,"color":"reddish"}]"#, "colours are #rrggbb"),
                (#"{"hints":[{"x":3,"y":4,"color":"lab:300,0"}]}"#, "lab:A,B needs two numbers"),
            ] {
                try await client.execute(uri: Self.uri(hints: hints), method: .post, body: ByteBuffer(bytes: png)) {
                    #expect($0.status == .badRequest, "\(hints)")
                    #expect(String(buffer: $0.body).contains(message), "\(hints): \(String(buffer: $0.body))")
                }
            }
        }
    }

    @Test func hintsToAModelWithoutThemAre400() async throws {
        let png = try ImageCodec.encodePNG(WebApplicationTests.picture())
        try await WebApplicationTests.application().test(.live) { client in
            try await client.execute(uri: "/api/health", method: .get) {
                #expect(String(buffer: $0.body).contains(#""hints":"false""#))
            }
            let hint = ##"[{"x":3,"y":4,"color":"#c0392b"}]"##
            try await client.execute(uri: Self.uri(hints: hint), method: .post, body: ByteBuffer(bytes: png)) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("takes no colour hints"), "\(String(buffer: $0.body))")
            }
            // No hints at all is an ordinary colorization.
            try await client.execute(uri: Self.uri(hints: "[]"), method: .post, body: ByteBuffer(bytes: png)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func hintOutsideTheImageIs400NamingItsSize() async throws {
        let png = try ImageCodec.encodePNG(WebApplicationTests.picture())  // 75×41
        try await WebApplicationTests.application(model: try Self.requireHintModel()).test(.live) { client in
            for hints in [##"[{"x":75,"y":4,"color":"#c0392b"}]"##, ##"[{"x":3,"y":-0.5,"color":"#c0392b"}]"##] {
                try await client.execute(uri: Self.uri(hints: hints), method: .post, body: ByteBuffer(bytes: png)) {
                    #expect($0.status == .badRequest, "\(hints)")
                    #expect(String(buffer: $0.body).contains("outside the 75×41 image"), "\(String(buffer: $0.body))")
                }
            }
        }
    }

    @Test func validHintWithTheShippedModelIsAPNG() async throws {
        let png = try ImageCodec.encodePNG(WebApplicationTests.picture())
        // Through the router, not a socket: the debug-built shipped model on a loaded machine may take
        // longer than any client read timeout, and what is under test is the answer, not the wire.
        try await WebApplicationTests.application(model: try Self.requireHintModel()).test(.router) { client in
            try await client.execute(uri: "/api/health", method: .get) {
                #expect(String(buffer: $0.body).contains(#""hints":"true""#))
            }
            let hints = ##"{"hints":[{"x":10,"y":20.5,"color":"#c0392b"},{"x":60,"y":5,"color":"lab:-30,40"}]}"##
            try await client.execute(
                uri: Self.uri(hints: hints) + "&temperature=0.3", method: .post, body: ByteBuffer(bytes: png)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "image/png")
                let image = try ImageCodec.decode(Array(buffer: response.body))
                #expect(image.width == 75 && image.height == 41 && image.color.channels == 3)
            }
        }
    }
}
