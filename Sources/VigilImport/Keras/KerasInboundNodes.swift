/// Reads a layer's `inbound_nodes`: which tensors each call of the layer consumed.
///
/// Keras 2 writes a node as a list of `[layer, node, index, kwargs]` entries. Keras 3
/// writes it as `{"args": [...], "kwargs": {...}}`, where every tensor is an object
/// `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, index]}}`
/// nested anywhere in the arguments (Concatenate receives one list of them).
enum KerasInboundNodes {
    static func parse(_ json: KerasJSON?, layer: String, path: String) throws(ImportError) -> [[KerasTensorReference]] {
        guard let json, !json.isNull else { return [] }
        guard let nodes = json.array else {
            throw .malformedFile(path: path, reason: "layer '\(layer)': 'inbound_nodes' is not a list")
        }
        var calls: [[KerasTensorReference]] = []
        for (i, node) in nodes.enumerated() {
            if node.object != nil {
                calls.append(try keras3Node(node, layer: layer, call: i, path: path))
            } else if let entries = node.array {
                calls.append(try keras2Node(entries, layer: layer, call: i, path: path))
            } else {
                throw .malformedFile(path: path, reason: "layer '\(layer)': inbound node \(i) is neither a Keras 2 list nor a Keras 3 object")
            }
        }
        return calls
    }

    private static func keras2Node(_ entries: [KerasJSON], layer: String, call: Int, path: String) throws(ImportError) -> [KerasTensorReference] {
        var inputs: [KerasTensorReference] = []
        for entry in entries {
            inputs.append(try KerasModelConfig.reference(entry, role: "layer '\(layer)' inbound node \(call)", path: path))
            if let kwargs = entry.array?.dropFirst(3).first?.object {
                for (key, value) in kwargs where containsTensor(value) {
                    throw .unsupportedAttribute(node: layer, reason: "call argument '\(key)' is a tensor; Vigil layers take their inputs positionally")
                }
            }
        }
        return inputs
    }

    private static func keras3Node(_ node: KerasJSON, layer: String, call: Int, path: String) throws(ImportError) -> [KerasTensorReference] {
        var inputs: [KerasTensorReference] = []
        try collectTensors(node["args"] ?? .array([]), into: &inputs, layer: layer, path: path)
        for (key, value) in (node["kwargs"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            if containsTensor(value) {
                throw .unsupportedAttribute(node: layer, reason: "call argument '\(key)' is a tensor (e.g. an initial state or mask); Vigil layers take their inputs positionally")
            }
            // `training` only switches dropout and noise, which inference skips; any other
            // argument that is set (use_causal_mask=True, return_attention_scores=True, …)
            // changes what the call computes.
            if key != "training" && !value.isNull && value != .bool(false) {
                throw .unsupportedAttribute(node: layer, reason: "call argument \(key)=\(value) is not supported")
            }
        }
        return inputs
    }

    private static func collectTensors(_ json: KerasJSON, into inputs: inout [KerasTensorReference], layer: String, path: String) throws(ImportError) {
        if let history = kerasHistory(json) {
            inputs.append(try KerasModelConfig.reference(history, role: "layer '\(layer)' keras_history", path: path))
        } else if let items = json.array {
            for item in items { try collectTensors(item, into: &inputs, layer: layer, path: path) }
        } else if let object = json.object, object["class_name"] == nil {
            // A dict of tensors; Keras orders them by key.
            for key in object.keys.sorted() { try collectTensors(object[key]!, into: &inputs, layer: layer, path: path) }
        }
    }

    private static func kerasHistory(_ json: KerasJSON) -> KerasJSON? {
        guard json["class_name"]?.string == "__keras_tensor__" else { return nil }
        return json["config"]?["keras_history"] ?? .null
    }

    private static func containsTensor(_ json: KerasJSON) -> Bool {
        if kerasHistory(json) != nil { return true }
        if let items = json.array { return items.contains { containsTensor($0) } }
        if let object = json.object { return object.values.contains { containsTensor($0) } }
        return false
    }
}
