/// The protocol-buffers wire format, as far as an ONNX file needs it: varints, length-delimited
/// fields (strings, bytes, nested messages, packed integers) and 32-bit floats. Writing is all an
/// exporter does, and the handful of ONNX messages it writes (`OnnxModel`) fit in a page, so a
/// hand-written encoder replaces generated code and a dependency. Fields are written in the order
/// they are added; readers accept any order.
struct ProtobufWriter {
    /// The encoded message so far.
    private(set) var bytes: [UInt8] = []

    /// The wire types this writer uses (the low three bits of a field's key).
    private enum WireType: UInt64 {
        case varint = 0, lengthDelimited = 2, fixed32 = 5
    }

    private mutating func key(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// An int32, int64 or enum field. Negative values take ten bytes (two's complement), as the
    /// format defines for int32 and int64.
    /// - Parameters:
    ///   - field: the field number.
    ///   - value: the value.
    mutating func int(_ field: Int, _ value: Int) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    /// A float field (fixed 32 bits, little-endian).
    /// - Parameters:
    ///   - field: the field number.
    ///   - value: the value.
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes field.
    /// - Parameters:
    ///   - field: the field number.
    ///   - value: the bytes.
    mutating func bytes(_ field: Int, _ value: some Collection<UInt8>) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field (UTF-8).
    /// - Parameters:
    ///   - field: the field number.
    ///   - value: the string.
    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// A nested message field.
    /// - Parameters:
    ///   - field: the field number.
    ///   - message: the encoded message.
    mutating func message(_ field: Int, _ message: ProtobufWriter) { bytes(field, message.bytes) }

    /// A nested message field built by `body`.
    /// - Parameters:
    ///   - field: the field number.
    ///   - body: writes the nested message's fields.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        message(field, nested)
    }

    /// A repeated int64 field, packed (one length-delimited run of varints).
    /// - Parameters:
    ///   - field: the field number.
    ///   - values: the values.
    mutating func packedInts(_ field: Int, _ values: [Int]) {
        var packed = ProtobufWriter()
        for value in values { packed.appendVarint(UInt64(bitPattern: Int64(value))) }
        bytes(field, packed.bytes)
    }

    /// A repeated float field, packed (one length-delimited run of little-endian floats).
    /// - Parameters:
    ///   - field: the field number.
    ///   - values: the values.
    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var packed: [UInt8] = []
        packed.reserveCapacity(4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { packed.append(contentsOf: $0) } }
        bytes(field, packed)
    }
}
