/// The part of ONNX's protobuf schema (onnx.proto) that an exported generator uses: a model with
/// one graph of nodes, float and int64 initializers, typed inputs and outputs with symbolic
/// dimensions, and string metadata. `serialized()` gives the bytes of an `.onnx` file; the field
/// numbers are onnx.proto's.
struct OnnxModel {
    /// A node attribute's value (`AttributeProto`).
    enum AttributeValue {
        case int(Int)
        case float(Float)
        case string(String)
        case ints([Int])
    }

    /// One operator application (`NodeProto`).
    struct Node {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String
        var attributes: [(name: String, value: AttributeValue)] = []
    }

    /// A constant tensor of the graph (`TensorProto`): float32 or int64 values, row-major.
    struct Initializer {
        enum Values {
            case float([Float])
            case int64([Int])
        }

        var name: String
        var dims: [Int]
        var values: Values
    }

    /// One dimension of a graph input's or output's shape: a number, or a name that every input
    /// and output sharing it must agree on (N, H, W).
    enum Dimension {
        case fixed(Int)
        case symbolic(String)
    }

    /// A float32 graph input or output (`ValueInfoProto`).
    struct ValueInfo {
        var name: String
        var dims: [Dimension]
        var documentation: String
    }

    /// The computation (`GraphProto`).
    struct Graph {
        var name: String
        var nodes: [Node] = []
        var initializers: [Initializer] = []
        var inputs: [ValueInfo] = []
        var outputs: [ValueInfo] = []
        var documentation = ""
    }

    var graph: Graph
    /// The default-domain operator set the graph is written against.
    var opsetVersion: Int
    /// The ONNX file-format (IR) version.
    var irVersion: Int
    var producerName: String
    var producerVersion: String
    var documentation: String
    /// `metadata_props`: free-form key–value pairs that runtimes hand to the application.
    var metadata: [(key: String, value: String)]

    /// TensorProto.DataType values.
    private static let floatType = 1, int64Type = 7

    /// The `ModelProto` bytes.
    func serialized() -> [UInt8] {
        var model = ProtobufWriter()
        model.int(1, irVersion)
        model.string(2, producerName)
        model.string(3, producerVersion)
        model.string(6, documentation)
        model.message(7, Self.encode(graph))
        model.message(8) { opset in
            opset.string(1, "")
            opset.int(2, opsetVersion)
        }
        for (key, value) in metadata {
            model.message(14) { entry in
                entry.string(1, key)
                entry.string(2, value)
            }
        }
        return model.bytes
    }

    private static func encode(_ graph: Graph) -> ProtobufWriter {
        var writer = ProtobufWriter()
        for node in graph.nodes { writer.message(1, encode(node)) }
        writer.string(2, graph.name)
        for initializer in graph.initializers { writer.message(5, encode(initializer)) }
        if !graph.documentation.isEmpty { writer.string(10, graph.documentation) }
        for input in graph.inputs { writer.message(11, encode(input)) }
        for output in graph.outputs { writer.message(12, encode(output)) }
        return writer
    }

    private static func encode(_ node: Node) -> ProtobufWriter {
        var writer = ProtobufWriter()
        for input in node.inputs { writer.string(1, input) }
        for output in node.outputs { writer.string(2, output) }
        writer.string(3, node.name)
        writer.string(4, node.opType)
        for (name, value) in node.attributes {
            writer.message(5) { attribute in
                attribute.string(1, name)
                // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, INTS 7.
                switch value {
                case .float(let f):
                    attribute.float(2, f)
                    attribute.int(20, 1)
                case .int(let i):
                    attribute.int(3, i)
                    attribute.int(20, 2)
                case .string(let s):
                    attribute.string(4, s)
                    attribute.int(20, 3)
                case .ints(let list):
                    attribute.packedInts(8, list)
                    attribute.int(20, 7)
                }
            }
        }
        return writer
    }

    private static func encode(_ initializer: Initializer) -> ProtobufWriter {
        var writer = ProtobufWriter()
        writer.packedInts(1, initializer.dims)
        switch initializer.values {
        case .float(let values):
            writer.int(2, floatType)
            writer.string(8, initializer.name)
            writer.bytes(9, littleEndianBytes(values))
        case .int64(let values):
            writer.int(2, int64Type)
            writer.string(8, initializer.name)
            var raw: [UInt8] = []
            raw.reserveCapacity(8 * values.count)
            for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { raw.append(contentsOf: $0) } }
            writer.bytes(9, raw)
        }
        return writer
    }

    /// `raw_data` of float32 values: little-endian, as ONNX stores it on every host.
    private static func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        #if _endian(little)
            return values.withUnsafeBytes { Array($0) }
        #else
            var raw: [UInt8] = []
            raw.reserveCapacity(4 * values.count)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            return raw
        #endif
    }

    private static func encode(_ info: ValueInfo) -> ProtobufWriter {
        var writer = ProtobufWriter()
        writer.string(1, info.name)
        writer.message(2) { type in
            type.message(1) { tensor in
                tensor.int(1, floatType)
                tensor.message(2) { shape in
                    for dimension in info.dims {
                        shape.message(1) { dim in
                            switch dimension {
                            case .fixed(let size): dim.int(1, size)
                            case .symbolic(let name): dim.string(2, name)
                            }
                        }
                    }
                }
            }
        }
        if !info.documentation.isEmpty { writer.string(3, info.documentation) }
        return writer
    }
}
