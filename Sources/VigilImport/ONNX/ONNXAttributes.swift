/// Typed access to a node's attributes, with the error naming node and attribute when
/// one has the wrong type.
struct ONNXAttributes {
    let node: String
    private var byName: [String: Onnx_AttributeProto] = [:]

    init(_ proto: Onnx_NodeProto, node: String) {
        self.node = node
        for a in proto.attribute { byName[a.name] = a }
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    /// The attribute as the file holds it, for a node the importer composes.
    func proto(_ name: String) -> Onnx_AttributeProto? { byName[name] }

    var names: [String] { byName.keys.sorted() }

    private func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType) throws(ImportError) -> Onnx_AttributeProto? {
        guard let a = byName[name] else { return nil }
        if a.hasRefAttrName { throw .unsupportedAttribute(node: node, reason: "attribute '\(name)' refers to a function attribute") }
        if a.type != type && a.type != .undefined {
            throw .unsupportedAttribute(node: node, reason: "attribute '\(name)' has type \(a.type), expected \(type)")
        }
        return a
    }

    func int(_ name: String, default value: Int) throws(ImportError) -> Int {
        guard let a = try attribute(name, .int) else { return value }
        guard let v = Int(exactly: a.i) else { throw .unsupportedAttribute(node: node, reason: "attribute '\(name)' = \(a.i) out of range") }
        return v
    }

    func ints(_ name: String) throws(ImportError) -> [Int]? {
        guard let a = try attribute(name, .ints) else { return nil }
        var out: [Int] = []
        for v in a.ints {
            guard v > Int64(Int32.min), v < Int64(Int32.max) else {
                throw .unsupportedAttribute(node: node, reason: "attribute '\(name)' value \(v) out of range")
            }
            out.append(Int(v))
        }
        return out
    }

    func float(_ name: String, default value: Float) throws(ImportError) -> Float {
        guard let a = try attribute(name, .float) else { return value }
        return a.f
    }

    func floats(_ name: String) throws(ImportError) -> [Float]? {
        try attribute(name, .floats)?.floats
    }

    func string(_ name: String, default value: String) throws(ImportError) -> String {
        guard let a = try attribute(name, .string) else { return value }
        return String(decoding: a.s, as: UTF8.self)
    }

    func strings(_ name: String) throws(ImportError) -> [String]? {
        try attribute(name, .strings)?.strings.map { String(decoding: $0, as: UTF8.self) }
    }

    func tensor(_ name: String) throws(ImportError) -> Onnx_TensorProto? {
        try attribute(name, .tensor)?.t
    }
}
