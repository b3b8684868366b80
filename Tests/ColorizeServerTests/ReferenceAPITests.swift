import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Testing

@testable import Colorization
@testable import ColorizeServer

/// `POST /api/reference` and `POST /api/colorize?reference=ID`: a colour photo is kept by id and
/// followed; a grey one, an unknown id or a model that cannot match is refused saying why. Through
/// the router, not a socket: no client read timeout races the debug-built model on a loaded machine.
@Suite struct ReferenceAPITests {
    /// A colour 96×64 picture: red left, blue-green right.
    static func colourPicture() -> Image {
        Image(
            samples: (0..<(96 * 64)).flatMap { i -> [Float] in i % 96 < 48 ? [0.8, 0.2, 0.15] : [0.2, 0.5, 0.6] },
            width: 96, height: 64, channels: 3)
    }

    static func id(_ body: ByteBuffer) -> String? {
        let json = try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: String]
        return json?["id"]
    }

    @Test func aReferenceIsKeptByIdAndFollowed() async throws {
        let model = try HintAPITests.requireHintModel()
        let grey = try ImageCodec.encodePNG(WebApplicationTests.picture(width: 96, height: 64))
        let colour = try ImageCodec.encodePNG(Self.colourPicture())
        try await WebApplicationTests.application(model: model).test(.router) { client in
            try await client.execute(uri: "/api/health", method: .get) {
                #expect(String(buffer: $0.body).contains(#""references":"true""#))
            }
            try await client.execute(uri: "/api/reference", method: .post, body: ByteBuffer(bytes: grey)) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("the reference is grey"), "\(String(buffer: $0.body))")
            }
            var id: String?
            try await client.execute(uri: "/api/reference", method: .post, body: ByteBuffer(bytes: colour)) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                id = Self.id($0.body)
            }
            let kept = try #require(id)
            #expect(kept.count == 32)
            try await client.execute(
                uri: "/api/colorize?reference=\(kept)", method: .post, body: ByteBuffer(bytes: grey)
            ) {
                #expect($0.status == .ok)
                #expect($0.headers[.contentType] == "image/png")
            }
            try await client.execute(
                uri: "/api/colorize?reference=0123456789abcdef", method: .post, body: ByteBuffer(bytes: grey)
            ) {
                #expect($0.status == .notFound)
                #expect(String(buffer: $0.body).contains("upload it again"), "\(String(buffer: $0.body))")
            }
        }
    }

    @Test func aModelThatCannotMatchRefusesReferences() async throws {
        let colour = try ImageCodec.encodePNG(Self.colourPicture())
        try await WebApplicationTests.application().test(.router) { client in
            try await client.execute(uri: "/api/health", method: .get) {
                #expect(String(buffer: $0.body).contains(#""references":"false""#))
            }
            try await client.execute(uri: "/api/reference", method: .post, body: ByteBuffer(bytes: colour)) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("cannot take colour references"))
            }
        }
    }

    @Test func theStoreKeepsTheMostRecentlyUsed() async throws {
        let store = ReferenceStore(capacity: 2)
        let reference = ColorReference(name: "r", features: [1], chroma: [0, 0], channels: 1)
        let first = await store.add(reference), second = await store.add(reference)
        _ = await store.references([first])  // first is now the most recently used
        let third = await store.add(reference)
        #expect(try await store.references([first, third]).get().count == 2)
        if case .failure(let unknown) = await store.references([second]) {
            #expect(unknown.id == second)
        } else {
            Issue.record("the least recently used reference was kept")
        }
    }
}
