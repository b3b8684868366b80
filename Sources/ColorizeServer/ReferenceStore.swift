import Colorization
import Foundation

/// Colour references uploaded to the server (`POST /api/reference`), kept by a random id so the
/// page can colorize many times against one without sending it again. At most `capacity` are
/// kept (each a few MB of matching features); the least recently used goes first, and an id that
/// has gone asks the page to upload again.
actor ReferenceStore {
    private let capacity: Int
    private var references: [String: ColorReference] = [:]
    private var order: [String] = []

    init(capacity: Int = 16) { self.capacity = max(1, capacity) }

    /// Keeps `reference` and returns its new id (32 hex digits).
    func add(_ reference: ColorReference) -> String {
        let id = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
        references[id] = reference
        order.append(id)
        while order.count > capacity { references[order.removeFirst()] = nil }
        return id
    }

    /// The references with these ids, most recently used marked so; nil names the first unknown id.
    func references(_ ids: [String]) -> Result<[ColorReference], UnknownReference> {
        var found: [ColorReference] = []
        for id in ids {
            guard let reference = references[id] else { return .failure(UnknownReference(id: id)) }
            found.append(reference)
            order.removeAll { $0 == id }
            order.append(id)
        }
        return .success(found)
    }

    struct UnknownReference: Error {
        var id: String
    }
}
