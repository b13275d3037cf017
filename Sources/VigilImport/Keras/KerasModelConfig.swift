/// One output of one call of a layer, as Keras' functional configs name it:
/// `[layer name, node index, tensor index]`.
struct KerasTensorReference: Hashable, Sendable, CustomStringConvertible {
    var layer: String
    var node: Int
    var index: Int

    var description: String { "\(layer)[\(node)][\(index)]" }
}

/// One layer entry of a model config.
struct KerasLayer: Sendable {
    var name: String
    var className: String
    /// The layer's own arguments (`config` inside the layer entry).
    var config: KerasJSON
    /// The inputs of each call of the layer, in call order: a layer shared between
    /// two branches has two calls.
    var calls: [[KerasTensorReference]]
    /// Where a `.keras` archive files the layer's variables ("layers/conv1d_1").
    var archivePath: String
    /// For a layer inside a wrapper (Bidirectional's forward and backward layers): the
    /// wrapper's name, which names the legacy HDF5 group, and the inner layer's own
    /// name, the path component that picks its variables out of the group.
    var wrapper: (group: String, scope: String)? = nil
}

/// A Sequential or Functional model config, normalized to the functional form: a
/// Sequential model becomes a chain of single-input calls behind one InputLayer.
struct KerasModelConfig: Sendable {
    var name: String
    var className: String
    var layers: [KerasLayer]
    var inputs: [KerasTensorReference]
    var outputs: [KerasTensorReference]

    /// Parses the JSON of `model_config` (legacy HDF5) or `config.json` (`.keras`).
    init(_ json: KerasJSON, path: String) throws(ImportError) {
        guard let className = json["class_name"]?.string else {
            throw .malformedFile(path: path, reason: "the model config has no 'class_name'")
        }
        self.className = className
        let config = json["config"] ?? .null
        self.name = config["name"]?.string ?? "model"
        switch className {
        case "Sequential":
            (layers, inputs, outputs) = try Self.sequential(config, path: path)
        case "Functional", "Model":
            (layers, inputs, outputs) = try Self.functional(config, path: path)
        default:
            throw .unsupportedAttribute(node: name, reason: "model class '\(className)': only Sequential and Functional models can be imported (a subclassed model has no layer graph in its config)")
        }
        if inputs.isEmpty { throw .malformedFile(path: path, reason: "the model declares no inputs") }
        if outputs.isEmpty { throw .malformedFile(path: path, reason: "the model declares no outputs") }
    }

    // MARK: Functional

    private static func functional(_ config: KerasJSON, path: String) throws(ImportError) -> ([KerasLayer], [KerasTensorReference], [KerasTensorReference]) {
        guard let entries = config["layers"]?.array else {
            throw .malformedFile(path: path, reason: "the functional model config has no 'layers' list")
        }
        var names = KerasNaming.UniqueNames()
        var layers: [KerasLayer] = []
        var seen: Set<String> = []
        for (i, entry) in entries.enumerated() {
            var layer = try layerEntry(entry, position: i, path: path)
            if !seen.insert(layer.name).inserted { throw .malformedFile(path: path, reason: "two layers are named '\(layer.name)'") }
            layer.calls = try KerasInboundNodes.parse(entry["inbound_nodes"], layer: layer.name, path: path)
            layer.archivePath = "layers/" + names.next(KerasNaming.snakeCase(layer.className))
            layers.append(layer)
        }
        let inputs = try references(config["input_layers"], role: "input_layers", path: path)
        let outputs = try references(config["output_layers"], role: "output_layers", path: path)
        return (layers, inputs, outputs)
    }

    /// `input_layers` / `output_layers`: a list of `[name, node, index]`, or one such
    /// triple on its own (Keras 3 writes a single input that way).
    private static func references(_ json: KerasJSON?, role: String, path: String) throws(ImportError) -> [KerasTensorReference] {
        guard let list = json?.array else { throw .malformedFile(path: path, reason: "the model config has no '\(role)' list") }
        if list.first?.string != nil { return [try reference(json!, role: role, path: path)] }
        var out: [KerasTensorReference] = []
        for item in list { out.append(try reference(item, role: role, path: path)) }
        return out
    }

    static func reference(_ json: KerasJSON, role: String, path: String) throws(ImportError) -> KerasTensorReference {
        guard let a = json.array, a.count >= 3, let layer = a[0].string, let node = a[1].int, let index = a[2].int, node >= 0, index >= 0 else {
            throw .malformedFile(path: path, reason: "\(role): expected [layer name, node index, tensor index], found \(json)")
        }
        return KerasTensorReference(layer: layer, node: node, index: index)
    }

    // MARK: Sequential

    private static func sequential(_ config: KerasJSON, path: String) throws(ImportError) -> ([KerasLayer], [KerasTensorReference], [KerasTensorReference]) {
        // Keras ≤ 2.2 wrote the layer list as the whole config.
        guard let entries = config["layers"]?.array ?? config.array else {
            throw .malformedFile(path: path, reason: "the Sequential model config has no 'layers' list")
        }
        var parsed: [KerasLayer] = []
        for (i, entry) in entries.enumerated() { parsed.append(try layerEntry(entry, position: i, path: path)) }

        var layers: [KerasLayer] = []
        let input: KerasLayer
        if let first = parsed.first, first.className == "InputLayer" {
            input = first
            parsed.removeFirst()
        } else {
            input = try synthesizedInput(config, first: parsed.first, path: path)
        }
        if parsed.isEmpty { throw .malformedFile(path: path, reason: "the Sequential model has no layers") }
        layers.append(input)
        // `model.layers` of a Sequential model leaves the InputLayer out, so the archive
        // numbers only the others.
        var names = KerasNaming.UniqueNames()
        var previous = KerasTensorReference(layer: input.name, node: 0, index: 0)
        var seen: Set<String> = [input.name]
        for var layer in parsed {
            if layer.className == "InputLayer" {
                throw .unsupportedAttribute(node: layer.name, reason: "an InputLayer in the middle of a Sequential model")
            }
            if !seen.insert(layer.name).inserted { throw .malformedFile(path: path, reason: "two layers are named '\(layer.name)'") }
            layer.calls = [[previous]]
            layer.archivePath = "layers/" + names.next(KerasNaming.snakeCase(layer.className))
            layers.append(layer)
            previous = KerasTensorReference(layer: layer.name, node: 0, index: 0)
        }
        return (layers, [KerasTensorReference(layer: input.name, node: 0, index: 0)], [previous])
    }

    /// A Sequential model without an InputLayer declares its input shape on the first
    /// layer (`batch_input_shape`, Keras 2) or as `build_input_shape` (Keras 3).
    private static func synthesizedInput(_ config: KerasJSON, first: KerasLayer?, path: String) throws(ImportError) -> KerasLayer {
        let shape = first?.config["batch_input_shape"] ?? first?.config["batch_shape"] ?? config["build_input_shape"]
        guard let shape, shape.array != nil else {
            throw .dynamicShape(node: first?.name ?? "model", reason: "the Sequential model declares no input shape; build it with an Input layer or an input_shape")
        }
        let name = (first?.name ?? "sequential") + "_input"
        return KerasLayer(name: name, className: "InputLayer", config: .object(["batch_shape": shape, "name": .string(name)]),
                          calls: [], archivePath: "")
    }

    private static func layerEntry(_ entry: KerasJSON, position: Int, path: String) throws(ImportError) -> KerasLayer {
        guard let className = entry["class_name"]?.string else {
            throw .malformedFile(path: path, reason: "layer \(position) of the model config has no 'class_name'")
        }
        let config = entry["config"] ?? .object([:])
        guard let name = entry["name"]?.string ?? config["name"]?.string else {
            throw .malformedFile(path: path, reason: "layer \(position) (\(className)) has no name")
        }
        return KerasLayer(name: name, className: className, config: config, calls: [], archivePath: "")
    }
}
