import VigilRuntime

/// One call of a layer: a Functional model may call a shared layer several times.
struct KerasCall {
    let layer: KerasLayer
    let inputs: [TensorID]
    let index: Int

    /// The Vigil node name: the layer's, with the call number for later calls.
    var nodeName: String { index == 0 ? layer.name : "\(layer.name)_call\(index)" }
}

/// Builds the Vigil graph of a parsed Keras model, one layer call at a time, in an
/// order where every call's inputs exist. Shapes are inferred as the graph grows
/// so that each layer can check its weights against its actual input.
struct KerasGraphTranslator {
    let model: KerasModelConfig
    let weights: KerasWeightStore
    let dialect: KerasDialect
    let path: String

    var builder = GraphBuilder()
    /// The Vigil tensor of every Keras tensor produced so far.
    private var tensors: [KerasTensorReference: TensorID] = [:]
    /// Shapes, without the batch, of the activation tensors created so far.
    private var shapes: [TensorID: [Int]] = [:]

    init(model: KerasModelConfig, weights: KerasWeightStore, dialect: KerasDialect, path: String) {
        self.model = model
        self.weights = weights
        self.dialect = dialect
        self.path = path
    }

    /// The optimized graph and the layouts of its inputs and outputs.
    mutating func translate() throws(ImportError) -> (graph: Graph, inputs: [TensorLayout], outputs: [TensorLayout]) {
        var layersByName: [String: KerasLayer] = [:]
        for layer in model.layers { layersByName[layer.name] = layer }

        for reference in model.inputs {
            guard let layer = layersByName[reference.layer] else {
                throw .malformedFile(path: path, reason: "model input '\(reference.layer)' is not a layer of the model")
            }
            try addInput(layer, reference: reference)
        }
        try translateCalls()

        for reference in model.outputs {
            if reference.index != 0 {
                throw .unsupportedAttribute(node: reference.layer, reason: "the model outputs output \(reference.index) of layer '\(reference.layer)'; Vigil imports single-output layers only")
            }
            guard let id = tensors[reference] else {
                throw .malformedFile(path: path, reason: "model output \(reference) is produced by no layer call")
            }
            builder.output(id)
        }
        let graph: Graph
        do { graph = try builder.build() } catch { throw .invalidGraph(error) }
        let inputLayouts = graph.inputs.map { TensorLayout.native(rank: graph.tensors[$0].shape.count + 1) }
        let outputLayouts = graph.outputs.map { TensorLayout.native(rank: graph.tensors[$0].shape.count + 1) }
        return (graph, inputLayouts, outputLayouts)
    }

    // MARK: Inputs

    private mutating func addInput(_ layer: KerasLayer, reference: KerasTensorReference) throws(ImportError) {
        guard layer.className == "InputLayer" else {
            throw .malformedFile(path: path, reason: "model input '\(layer.name)' is a \(layer.className), not an InputLayer")
        }
        if reference.node != 0 || reference.index != 0 {
            throw .malformedFile(path: path, reason: "model input \(reference) does not name the InputLayer's tensor")
        }
        if tensors[reference] != nil { throw .malformedFile(path: path, reason: "input '\(layer.name)' is listed twice") }
        let sparse = try layer.bool("sparse", default: false), ragged = try layer.bool("ragged", default: false)
        if sparse || ragged {
            throw .unsupportedAttribute(node: layer.name, reason: "sparse or ragged inputs are not supported")
        }
        let dtype = layer.value("dtype")?.string ?? layer.value("dtype")?["config"]?["name"]?.string ?? "float32"
        if dtype != "float32" {
            throw .unsupportedAttribute(node: layer.name, reason: "input dtype '\(dtype)': Vigil models take float32 inputs")
        }
        guard let declared = (layer.value("batch_shape") ?? layer.value("batch_input_shape"))?.dimensions, !declared.isEmpty else {
            throw .dynamicShape(node: layer.name, reason: "the InputLayer declares no shape")
        }
        var shape: [Int] = []
        var elements = 1
        for (axis, d) in declared.dropFirst().enumerated() {
            guard let d, d > 0 else {
                throw .dynamicShape(node: layer.name, reason: "input shape \(Self.describe(declared)) leaves axis \(axis + 1) open; Vigil graphs have static shapes apart from the batch")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            if overflow || product > KerasLayer.largestInteger * 16 {
                throw .unsupportedAttribute(node: layer.name, reason: "input shape \(Self.describe(declared)) is implausibly large")
            }
            elements = product
            shape.append(d)
        }
        let id = builder.input(layer.name, shape: shape)
        tensors[reference] = id
        shapes[id] = shape
    }

    private static func describe(_ dims: [Int?]) -> String {
        "(" + dims.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + ")"
    }

    // MARK: Calls

    private mutating func translateCalls() throws(ImportError) {
        var pending: [(layer: KerasLayer, call: Int)] = []
        for layer in model.layers where layer.className != "InputLayer" {
            for (call, references) in layer.calls.enumerated() {
                for reference in references where reference.index != 0 {
                    throw .unsupportedAttribute(node: layer.name, reason: "reads output \(reference.index) of layer '\(reference.layer)'; Vigil imports single-output layers only")
                }
                pending.append((layer, call))
            }
        }
        while !pending.isEmpty {
            var remaining: [(layer: KerasLayer, call: Int)] = []
            for item in pending {
                let references = item.layer.calls[item.call]
                let ids = references.compactMap { tensors[$0] }
                if ids.count < references.count {
                    remaining.append(item)
                    continue
                }
                let call = KerasCall(layer: item.layer, inputs: ids, index: item.call)
                let output = try translate(call)
                try recordShapes(upTo: output, call: call)
                tensors[KerasTensorReference(layer: item.layer.name, node: item.call, index: 0)] = output
            }
            if remaining.count == pending.count {
                let stuck = remaining[0]
                let missing = stuck.layer.calls[stuck.call].filter { tensors[$0] == nil }.map(\.description)
                throw .malformedFile(path: path, reason: "layer '\(stuck.layer.name)' reads \(missing.joined(separator: ", ")), which no layer produces")
            }
            pending = remaining
        }
    }

    /// Infers the shapes of everything built so far (validating the new nodes).
    private mutating func recordShapes(upTo output: TensorID, call: KerasCall) throws(ImportError) {
        if shapes[output] != nil { return }  // an identity layer
        var graph = builder.graph
        graph.outputs = [output]
        let validated: Graph
        do { validated = try graph.validated() } catch { throw .invalidGraph(error) }
        for (id, t) in validated.tensors.enumerated() where !t.isConstant { shapes[id] = t.shape }
    }

    // MARK: Helpers for the layer translations

    func shape(of id: TensorID) -> [Int] { shapes[id] ?? [] }

    /// The one input of a single-input layer, with its rank checked when given.
    func singleInput(_ call: KerasCall, rank: Int? = nil) throws(ImportError) -> (id: TensorID, shape: [Int]) {
        guard call.inputs.count == 1 else {
            throw .unsupportedAttribute(node: call.layer.name, reason: "\(call.layer.className) takes one input, the model passes \(call.inputs.count)")
        }
        let s = shape(of: call.inputs[0])
        if let rank, s.count != rank {
            throw .shapeMismatch(node: call.layer.name, reason: "\(call.layer.className) needs an input of rank \(rank + 1) (batch, …), got (batch, \(s.map(String.init).joined(separator: ", ")))")
        }
        return (call.inputs[0], s)
    }

    mutating func constant(_ weight: KerasWeight, shape: [Int]? = nil) -> TensorID {
        builder.constant(weight.name, shape: shape ?? weight.shape, values: weight.values)
    }

    /// Applies a layer's `activation` argument after an op that fused its elementwise
    /// part: softmax and log-softmax become nodes of their own over the last axis.
    mutating func finish(_ y: TensorID, _ activation: KerasActivation, _ call: KerasCall) -> TensorID {
        switch activation {
        case .elementwise: y
        case .softmax: builder.node(.softmax(axis: -1), [y], name: call.nodeName + "/softmax")
        case .logSoftmax: builder.node(.logSoftmax(axis: -1), [y], name: call.nodeName + "/log_softmax")
        }
    }
}
