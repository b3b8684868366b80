import Foundation
import Tensor

/// Why a checkpoint could not be read or written; each case names the file.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case malformed(path: String, reason: String)
    case mismatch(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path): "\(path): no such checkpoint"
        case let .malformed(path, reason): "\(path): not a valid safetensors file: \(reason)"
        case let .mismatch(path, reason): "\(path): does not fit the model: \(reason)"
        case let .writeFailed(path, reason): "\(path): cannot write: \(reason)"
        }
    }
}

/// The safetensors format (used by Hugging Face): an 8-byte little-endian header length, a JSON
/// header mapping each name to {dtype, shape, data_offsets} plus an optional `__metadata__` map of
/// strings, then the raw little-endian data. Only F32 is written or read here.
public enum SafeTensors {
    public struct Contents {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
    }

    /// Encodes tensors (sorted by name) and metadata into file bytes.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.count * 4
            header[name] =
                ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.withUnsafeBufferPointer {
                data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count))
            }
        }
        return data
    }

    /// Decodes file bytes, validating the header against the data; `path` labels errors.
    public static func decode(_ data: Data, path: String) throws(CheckpointError) -> Contents {
        func fail(_ reason: String) -> CheckpointError { .malformed(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) exceeds the file (truncated?)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)),
            let header = object as? [String: Any]
        else { throw fail("header is not a JSON object") }
        let dataSize = data.count - headerEnd
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int)] = []
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let map = entry as? [String: String] else {
                    throw fail("__metadata__ must map strings to strings")
                }
                metadata = map
                continue
            }
            guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw fail("entry \(name) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw fail("tensor \(name) has dtype \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \(name) has a negative dimension") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw fail("tensor \(name) data \(begin)..<\(end) outside the \(dataSize)-byte data section")
            }
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataSize / 4 else {
                    throw fail("tensor \(name) has shape \(shape), larger than the \(dataSize)-byte data section")
                }
                count = product
            }
            guard end - begin == count * 4 else {
                throw fail("tensor \(name) has \(end - begin) bytes for shape \(shape)")
            }
            ranges.append((begin, end))
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { destination in
                data.copyBytes(
                    to: destination.bindMemory(to: UInt8.self), from: (headerEnd + begin)..<(headerEnd + end))
            }
            tensors[name] = Tensor(
                shape: shape, values: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        }
        let sorted = ranges.sorted { $0.0 < $1.0 }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.0 < a.1 {
            throw fail("tensor data ranges overlap")
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    public static func read(path: String) throws(CheckpointError) -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .malformed(path: path, reason: "unreadable")
        }
        return try decode(data, path: path)
    }

    /// Writes atomically: a temporary sibling, then `rename`. `beforeRename` exists for tests that
    /// simulate a crash between the two steps.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String,
        beforeRename: () throws -> Void = {}
    ) throws(CheckpointError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            try encode(tensors, metadata: metadata).write(to: temporary)
            try beforeRename()
            guard rename(temporary.path, path) == 0 else {
                throw CheckpointError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw (error as? CheckpointError) ?? .writeFailed(path: path, reason: "\(error)")
        }
    }
}
