import VigilRuntime

/// Translates one ONNX graph into a Vigil graph, node by node, folding what is
/// computable at import and relabelling layouts instead of transposing.
struct ONNXGraphConverter {
    let path: String
    let opset: Int
    /// The stored axis order chosen for each graph input (identity when absent).
    let inputLayouts: [Int: [Int]]
    /// Whether the model is imported as one sample: every ONNX tensor is a whole Vigil
    /// sample stored after a unit batch axis, which `storedAxes` name -1.
    let batchFree: Bool
    /// Input layouts (`InputRelayout.key`) already tried: a consumer that needs one of
    /// them transposes at run time instead of restarting the import again.
    var triedLayouts: Set<String> = []

    var graph = Graph()
    var values: [String: ONNXValue] = [:]
    /// The ONNX element type of each initializer and Constant output, and of folded
    /// QuantizeLinear outputs: quantized formats tell int8 from uint8 by it.
    var constantTypes: [String: TensorProtoDecoding.DataType] = [:]
    /// int8 tensors holding uint8 data minus 128 (QuantizeLinear to uint8).
    var storedAsShiftedUInt8: Set<TensorID> = []
    /// How many nodes and graph outputs read each ONNX value.
    var readers: [String: Int] = [:]
    /// Batch sizes fixed by the model's input declarations; a Reshape may name them.
    var declaredBatchSizes: Set<Int> = []
    var inputNames: [String] = []
    var inputLayoutsUsed: [TensorLayout] = []
    private var reshapeCache: [String: TensorID] = [:]
    private var weightCache: [WeightKey: TensorID] = [:]
    /// Loop body nodes converted so far (`maximumUnrolledNodes`).
    var unrolledNodes = 0
    /// How many ONNX values a Vigil tensor holds (relabels share it), and how many
    /// reads those values have in all: equal counts mean the tensor flows down one
    /// chain of relabels to a single consumer, which may then rewrite its producer.
    var aliases: [TensorID: Int] = [:]
    var aliasReads: [TensorID: Int] = [:]
    /// The input of each Vigil reshape the importer emitted, by its output.
    private var reshapeSources: [TensorID: TensorID] = [:]

    init(path: String, opset: Int, inputLayouts: [Int: [Int]], batchFree: Bool = false) {
        self.path = path
        self.opset = opset
        self.inputLayouts = inputLayouts
        self.batchFree = batchFree
    }

    // MARK: - The graph

    mutating func convert(_ proto: Onnx_GraphProto) throws -> (outputs: [String], layouts: [TensorLayout]) {
        if !proto.sparseInitializer.isEmpty {
            throw ImportError.unsupportedAttribute(node: "graph", reason: "sparse initializers are not supported")
        }
        for tensor in proto.initializer {
            if tensor.name.isEmpty { throw ImportError.malformedFile(path: path, reason: "an initializer has no name") }
            values[tensor.name] = .constant(try TensorProtoDecoding.decode(tensor, name: tensor.name, path: path))
            constantTypes[tensor.name] = TensorProtoDecoding.DataType(rawValue: tensor.dataType)
        }
        for node in proto.node { for name in node.input where !name.isEmpty { readers[name, default: 0] += 1 } }
        // A Loop body reads enclosing values by name: each counts as one more reader.
        for name in proto.node.flatMap(Self.outerReads) { readers[name, default: 0] += 1 }
        for output in proto.output { readers[output.name, default: 0] += 1 }

        var inputIndex = 0
        for input in proto.input where values[input.name] == nil {
            try addInput(input, index: inputIndex)
            inputIndex += 1
        }

        for (index, node) in proto.node.enumerated() {
            try convert(node, index: index)
        }

        var layouts: [TensorLayout] = []
        var names: [String] = []
        if proto.output.isEmpty { throw ImportError.malformedFile(path: path, reason: "the graph has no outputs") }
        for output in proto.output {
            guard let value = values[output.name] else {
                throw ImportError.malformedFile(path: path, reason: "graph output '\(output.name)' is produced by no node")
            }
            let v: RuntimeValue
            switch value {
            case .runtime(let r):
                v = r
            case .constant(let c):
                let (id, layout) = try constantOutput(c, output)
                graph.outputs.append(id)
                layouts.append(layout)
                names.append(output.name)
                continue
            }
            if v.featureOrder != nil {
                throw ImportError.needsRuntimeTranspose(node: output.name, reason: "graph output '\(output.name)' is a flattened channels-first tensor stored channels last")
            }
            graph.outputs.append(v.id)
            layouts.append(TensorLayout(storedAxes: v.storedAxes, frameworkRank: v.rank))
            names.append(output.name)
        }
        return (names, layouts)
    }

    /// The names a node's subgraphs (a Loop's body, nested) read from enclosing scopes.
    static func outerReads(_ node: Onnx_NodeProto) -> [String] {
        var names: [String] = []
        for a in node.attribute where a.hasG {
            let g = a.g
            var own = Set(g.input.map(\.name))
            for t in g.initializer { own.insert(t.name) }
            for n in g.node { for o in n.output { own.insert(o) } }
            for n in g.node {
                for name in n.input where !name.isEmpty && !own.contains(name) { names.append(name) }
                names += outerReads(n).filter { !own.contains($0) }
            }
            names += g.output.map(\.name).filter { !own.contains($0) }
        }
        return names
    }

    private mutating func addInput(_ input: Onnx_ValueInfoProto, index: Int) throws {
        let name = input.name
        guard case .tensorType(let type)? = input.type.value else {
            throw ImportError.unsupportedAttribute(node: name, reason: "graph input '\(name)' is not a tensor")
        }
        guard let dtype = TensorProtoDecoding.DataType(rawValue: type.elemType)?.vigilType, dtype == .float32 || dtype.isInteger else {
            throw ImportError.unsupportedAttribute(node: name, reason: "graph input '\(name)' has element type \(type.elemType); Vigil models take float32 or integer inputs")
        }
        guard type.hasShape else { throw ImportError.dynamicShape(node: name, reason: "graph input '\(name)' has no declared shape") }
        let rank = type.shape.dim.count
        if batchFree { return try addBatchFreeInput(input, type.shape, dtype: dtype, index: index) }
        let storedAxes = inputLayouts[index] ?? Self.initialLayout(type.shape)
        if rank < 2 {
            throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' has rank \(rank); Vigil inputs need a batch axis and at least one more")
        }
        guard storedAxes.count == rank, Set(storedAxes) == Set(0..<rank) else {
            throw ImportError.malformedFile(path: path, reason: "internal: layout \(storedAxes) does not fit input '\(name)'")
        }
        let batchAxis = storedAxes[0]
        var shape: [Int] = []
        for (axis, dim) in type.shape.dim.enumerated() {
            if axis == batchAxis {
                if case .dimValue(let v)? = dim.value, v > 0, v <= Int64(ConstantTensor.maxElements) { declaredBatchSizes.insert(Int(v)) }
                shape.append(1)
                continue
            }
            guard case .dimValue(let v)? = dim.value else {
                throw ImportError.dynamicShape(node: name, reason: "graph input '\(name)' axis \(axis) has no fixed size; only the batch axis may vary")
            }
            guard v > 0, v <= Int64(ConstantTensor.maxElements) else {
                throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' axis \(axis) has size \(v)")
            }
            shape.append(Int(v))
        }
        if ConstantTensor.elementCount(shape) == nil {
            throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' is too large")
        }
        let id = graph.addTensor(name: name, dtype: dtype, shape: storedAxes.dropFirst().map { shape[$0] })
        graph.inputs.append(id)
        inputNames.append(name)
        inputLayoutsUsed.append(TensorLayout(storedAxes: storedAxes, frameworkRank: rank))
        aliases[id] = 1
        aliasReads[id] = readers[name, default: 0] + 1
        values[name] = .runtime(RuntimeValue(id: id, shape: shape, storedAxes: storedAxes,
                                             origin: .init(input: index, axes: (0..<rank).map { $0 })))
    }

    /// A graph input of a batch-free import: its whole ONNX shape is one Vigil sample.
    private mutating func addBatchFreeInput(_ input: Onnx_ValueInfoProto, _ declared: Onnx_TensorShapeProto, dtype: DType, index: Int) throws {
        let name = input.name
        let rank = declared.dim.count
        if rank < 1 { throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' is a scalar; Vigil inputs need at least one axis") }
        let axes = inputLayouts[index] ?? Array(0..<rank)
        guard axes.count == rank, Set(axes) == Set(0..<rank) else {
            throw ImportError.malformedFile(path: path, reason: "internal: layout \(axes) does not fit input '\(name)'")
        }
        var shape: [Int] = []
        for (axis, dim) in declared.dim.enumerated() {
            guard case .dimValue(let v)? = dim.value else {
                throw ImportError.dynamicShape(node: name, reason: "graph input '\(name)' axis \(axis) has no fixed size")
            }
            guard v > 0, v <= Int64(ConstantTensor.maxElements) else {
                throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' axis \(axis) has size \(v)")
            }
            shape.append(Int(v))
        }
        if ConstantTensor.elementCount(shape) == nil {
            throw ImportError.shapeMismatch(node: name, reason: "graph input '\(name)' is too large")
        }
        let storedAxes = [-1] + axes
        let id = graph.addTensor(name: name, dtype: dtype, shape: axes.map { shape[$0] })
        graph.inputs.append(id)
        inputNames.append(name)
        inputLayoutsUsed.append(TensorLayout(storedAxes: storedAxes, frameworkRank: rank))
        aliases[id] = 1
        aliasReads[id] = readers[name, default: 0] + 1
        values[name] = .runtime(RuntimeValue(id: id, shape: shape, storedAxes: storedAxes,
                                             origin: .init(input: index, axes: (0..<rank).map { $0 })))
    }

    /// Whether every graph input (initializers aside) declares a fixed first axis: such
    /// a model may be imported batch-free, as one sample.
    static func hasFixedLeadingAxes(_ proto: Onnx_GraphProto) -> Bool {
        let initializers = Set(proto.initializer.map(\.name))
        var any = false
        for input in proto.input where !initializers.contains(input.name) {
            guard case .tensorType(let type)? = input.type.value, type.hasShape else { return false }
            guard let first = type.shape.dim.first, case .dimValue(let v)? = first.value, v > 0 else { return false }
            any = true
        }
        return any
    }

    /// ONNX's own order, with the batch first; the batch is axis 0 unless axis 0 has a
    /// fixed size and exactly one other axis is symbolic (a time-major [T, N, F] input).
    static func initialLayout(_ shape: Onnx_TensorShapeProto) -> [Int] {
        let rank = shape.dim.count
        let symbolic = shape.dim.indices.filter { i in
            if case .dimValue(let v)? = shape.dim[i].value, v > 0 { return false }
            return true
        }
        if rank > 1, symbolic.count == 1, let b = symbolic.first, b != 0 {
            return [b] + (0..<rank).filter { $0 != b }
        }
        return Array(0..<rank)
    }

    // MARK: - Reading node inputs

    /// The value of input `i`, or nil when the node omits it (absent or empty name).
    func optionalInput(_ node: ONNXNode, _ i: Int) throws -> ONNXValue? {
        guard i < node.proto.input.count, !node.proto.input[i].isEmpty else { return nil }
        let name = node.proto.input[i]
        guard let v = values[name] else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' reads '\(name)', which no earlier node, initializer or input provides")
        }
        return v
    }

    func input(_ node: ONNXNode, _ i: Int) throws -> ONNXValue {
        guard let v = try optionalInput(node, i) else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (\(node.type)) lacks its input \(i)")
        }
        return v
    }

    func constantInput(_ node: ONNXNode, _ i: Int, role: String) throws -> ConstantTensor? {
        guard let v = try optionalInput(node, i) else { return nil }
        guard case .constant(let c) = v else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "\(role) (input \(i), '\(node.proto.input[i])') must be known at import, but it is computed at run time")
        }
        return c
    }

    func runtimeInput(_ node: ONNXNode, _ i: Int) throws -> RuntimeValue {
        guard case .runtime(let v) = try input(node, i) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "input \(i) ('\(node.proto.input[i])') is a constant; this op needs run-time data there")
        }
        return v
    }

    /// The name of a node's output `i`, which a lowered op writes.
    func outputName(_ node: ONNXNode, _ i: Int = 0) throws -> String {
        guard i < node.proto.output.count else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (\(node.type)) has no output \(i)")
        }
        return node.proto.output[i]
    }

    /// Whether a node output is read by anything.
    func isRead(_ node: ONNXNode, output i: Int) -> Bool {
        guard i < node.proto.output.count, !node.proto.output[i].isEmpty else { return false }
        return readers[node.proto.output[i], default: 0] > 0
    }

    mutating func setOutput(_ node: ONNXNode, _ i: Int = 0, _ value: ONNXValue) throws {
        guard i < node.proto.output.count else {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (\(node.type)) has no output \(i)")
        }
        let name = node.proto.output[i]
        if name.isEmpty { return }
        if values[name] != nil {
            throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' writes '\(name)', which already has a value")
        }
        if case .runtime(let v) = value {
            aliases[v.id, default: 0] += 1
            aliasReads[v.id, default: 0] += readers[name, default: 0]
        }
        values[name] = value
    }

    // MARK: - Emitting Vigil nodes and weights

    /// Appends a Vigil node; `shape` is its output's stored shape (batch excluded), which
    /// Vigil's shape inference then checks against its own.
    mutating func emit(_ op: Op, _ inputs: [TensorID], node: ONNXNode, suffix: String = "", shape: [Int]) -> TensorID {
        let name = node.name + suffix
        // Every op the importer emits keeps its first input's element type.
        let out = graph.addTensor(name: name + ":0", dtype: inputs.first.map { graph.tensors[$0].dtype } ?? .float32, shape: shape)
        graph.nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [out]))
        // Quantized data (QOperator's MaxPool, Reshape, Transpose…) keeps its parameters.
        if let first = inputs.first, graph.tensors[first].dtype == .int8, let q = graph.tensors[first].quantization {
            graph.tensors[out].quantization = q
            if storedAsShiftedUInt8.contains(first) { storedAsShiftedUInt8.insert(out) }
        }
        return out
    }

    /// A float constant for the Vigil graph; NaN or infinity is an error naming `tensor`.
    /// Equal constants are stored once (an unrolled Loop reads the same weights in every
    /// iteration); Vigil never writes a constant in place, so sharing one is safe.
    mutating func weight(_ name: String, shape: [Int], values: [Float], tensor: String) throws -> TensorID {
        for v in values where !v.isFinite { throw ImportError.nonFiniteWeights(tensor: tensor) }
        let key = WeightKey(shape: shape, bits: values.map(\.bitPattern))
        if let id = weightCache[key] { return id }
        let id = graph.addConstant(name: name, shape: shape, values: values)
        weightCache[key] = id
        return id
    }

    struct WeightKey: Hashable {
        var shape: [Int]
        var bits: [UInt32]
    }

    /// `id` reshaped to `target` (batch excluded). Reshapes keep memory order, so a
    /// chain of them collapses onto its first source, and the intermediate ones die.
    mutating func reshaped(_ id: TensorID, to target: [Int], node: ONNXNode) -> TensorID {
        var root = id
        while let source = reshapeSources[root] { root = source }
        if graph.tensors[root].shape == target { return root }
        let key = "\(root):\(target)"
        if let cached = reshapeCache[key] { return cached }
        let out = emit(.reshape(shape: target), [root], node: node, suffix: "/reshape\(reshapeCache.count)", shape: target)
        reshapeCache[key] = out
        reshapeSources[out] = root
        return out
    }

    /// The value's tensor stored with its ONNX axes in the order `wanted` (batch first).
    /// Moving only size-1 axes is a Vigil reshape; anything else would be a transpose,
    /// which is solved by storing a graph input differently or reported.
    mutating func conform(_ v: RuntimeValue, to wanted: [Int], node: ONNXNode, need: String) throws -> TensorID {
        if v.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "\(need), but its input is a flattened channels-first tensor whose features Vigil stores in another order")
        }
        if wanted == v.storedAxes { return v.id }
        if wanted.first == v.batchAxis && v.memoryOrder(wanted) == v.memoryOrder(v.storedAxes) {
            let target = wanted.dropFirst().map { $0 < 0 ? 1 : v.shape[$0] }
            if target.isEmpty { throw ImportError.shapeMismatch(node: node.name, reason: "\(need): the input has no axis besides the batch") }
            return reshaped(v.id, to: target, node: node)
        }
        let problem = ImportError.needsRuntimeTranspose(node: node.name, reason: "\(need); its input holds ONNX axes \(v.storedAxes) (shape \(v.shape)) in that order, the op needs \(wanted)")
        if let origin = v.origin {
            var axes: [Int] = []
            for a in wanted where a >= 0 { if let inputAxis = origin.axes[a] { axes.append(inputAxis) } }
            let inputRank = inputLayoutsUsed[origin.input].frameworkRank
            for a in 0..<inputRank where !axes.contains(a) { axes.append(a) }
            if axes.count == inputRank && Set(axes).count == inputRank && !triedLayouts.contains(InputRelayout.key(input: origin.input, storedAxes: axes)) {
                throw InputRelayout(input: origin.input, storedAxes: axes, otherwise: problem)
            }
        }
        // Storing the input differently is impossible or was tried (another consumer
        // wants another order): transpose at run time.
        return try transposed(v, to: wanted, node: node, otherwise: problem)
    }
}

/// A node being converted, with the name errors use.
struct ONNXNode {
    let proto: Onnx_NodeProto
    let name: String
    var type: String { proto.opType }
    let attributes: ONNXAttributes

    init(_ proto: Onnx_NodeProto, index: Int) {
        self.proto = proto
        self.name = proto.name.isEmpty ? "\(proto.opType)_\(index)" : proto.name
        self.attributes = ONNXAttributes(proto, node: name)
    }
}
