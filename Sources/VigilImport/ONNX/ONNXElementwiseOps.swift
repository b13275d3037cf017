import VigilRuntime

/// Activations, arithmetic, Softmax and BatchNormalization: ops that keep their
/// input's layout, so a relabelled tensor passes through them unchanged.
extension ONNXGraphConverter {
    func fold<T>(_ node: ONNXNode, _ body: () throws(ConstantFolding.Failure) -> T) throws -> T {
        do {
            return try body()
        } catch .batchDependent {
            throw ImportError.dynamicShape(node: node.name, reason: "the value depends on the batch size, which a static graph cannot compute with")
        } catch .shapes(let reason) {
            throw ImportError.shapeMismatch(node: node.name, reason: reason)
        }
    }

    /// Inference (and training with ratio 0) passes the data through and keeps every
    /// element: the mask is all true. Training with a positive ratio zeroes elements
    /// drawn by a generator ONNX leaves unspecified, which no import can reproduce.
    mutating func dropout(_ node: ONNXNode) throws {
        let x = try input(node, 0)
        if let training = try constantInput(node, 2, role: "training_mode"), training.ints.contains(where: { $0 != 0 }) {
            let ratio = try constantInput(node, 1, role: "ratio")?.floats.first ?? 0.5
            if ratio != 0 {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "Dropout in training mode with ratio \(ratio) zeroes randomly drawn elements, which cannot be reproduced; only ratio 0 is deterministic")
            }
        }
        try setOutput(node, 0, x)
        if isRead(node, output: 1) {
            let shape: [Int]
            switch x {
            case .constant(let c):
                shape = c.shape
            case .runtime(let v):
                if !v.isBatchFree { throw ImportError.dynamicShape(node: node.name, reason: "the Dropout mask has the batch's shape, which a static graph does not know") }
                shape = v.shape
            }
            try setOutput(node, 1, .constant(ConstantTensor(shape: shape, ints: [Int64](repeating: 1, count: ConstantTensor.elementCount(shape) ?? 0))))
        }
    }

    mutating func cast(_ node: ONNXNode) throws {
        let to = try node.attributes.int("to", default: 0)
        let value = try input(node, 0)
        switch value {
        case .runtime(let v):
            let from = elementType(v)
            guard let target = TensorProtoDecoding.DataType(rawValue: Int32(clamping: to))?.vigilType, target == from else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "Cast of run-time \(from.name) data to ONNX type \(to); Vigil converts no element type at run time")
            }
            try setOutput(node, 0, value)
        case .constant(let c):
            guard let type = TensorProtoDecoding.DataType(rawValue: Int32(clamping: to)) else {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "Cast to element type \(to)")
            }
            switch type {
            case .float, .double:
                if c.containsBatchSymbol { throw ImportError.dynamicShape(node: node.name, reason: "casts the batch size to float") }
                try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, floats: c.floats)))
            case .bool:
                try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, ints: c.floats.map { $0 != 0 ? 1 : 0 })))
            default:
                if case .float(let f) = c.storage, f.contains(where: { !$0.isFinite }) {
                    throw ImportError.unsupportedAttribute(node: node.name, reason: "Cast of a non-finite value to an integer type")
                }
                try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, ints: c.ints)))
            }
        }
    }

    mutating func constantNode(_ node: ONNXNode) throws {
        let a = node.attributes
        let value: ConstantTensor
        if let t = try a.tensor("value") {
            value = try TensorProtoDecoding.decode(t, name: node.name, path: path)
            if let out = node.proto.output.first { constantTypes[out] = TensorProtoDecoding.DataType(rawValue: t.dataType) }
        } else if a.has("value_float") {
            value = ConstantTensor(shape: [], floats: [try a.float("value_float", default: 0)])
        } else if let v = try a.floats("value_floats") {
            value = ConstantTensor(shape: [v.count], floats: v)
        } else if a.has("value_int") {
            value = ConstantTensor(shape: [], ints: [Int64(try a.int("value_int", default: 0))])
        } else if let v = try a.ints("value_ints") {
            value = ConstantTensor(shape: [v.count], ints: v.map { Int64($0) })
        } else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Constant without a value, value_float(s) or value_int(s) attribute (have: \(a.names))")
        }
        try setOutput(node, 0, .constant(value))
    }

    mutating func unary(_ node: ONNXNode, _ activation: Activation) throws {
        switch try input(node, 0) {
        case .constant(let c):
            try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.unary(activation, c) }))
        case .runtime(var v):
            v.id = emit(.activation(activation), [v.id], node: node, shape: v.storedShape)
            try setOutput(node, 0, .runtime(v))
        }
    }

    mutating func clip(_ node: ONNXNode) throws {
        if case .runtime(let x) = try input(node, 0), elementType(x).isInteger {
            return try integerClip(node, x)
        }
        func bound(_ i: Int, _ role: String) throws -> Float? {
            guard let c = try constantInput(node, i, role: role) else { return nil }
            guard c.count == 1 else { throw ImportError.shapeMismatch(node: node.name, reason: "Clip \(role) has shape \(c.shape); it must be a scalar") }
            return c.floats[0]
        }
        let lo = try bound(1, "min") ?? -Float.infinity
        let hi = try bound(2, "max") ?? Float.infinity
        if lo.isNaN || hi.isNaN { throw ImportError.unsupportedAttribute(node: node.name, reason: "Clip bound is NaN") }
        let activation: Activation
        if lo == 0 && hi == .infinity { activation = .relu } else if lo == 0 && hi == 6 { activation = .relu6 } else { activation = .clip(min: lo, max: hi) }
        if case .constant(let c) = try input(node, 0) {
            // ONNX Clip with min > max gives max everywhere; the activation clamps the same way.
            try setOutput(node, 0, .constant(ConstantTensor(shape: c.shape, floats: c.floats.map { min(max($0, lo), hi) })))
            return
        }
        // min > max gives max everywhere, as clamping to [max, max] does (NaN stays NaN).
        try unary(node, lo > hi ? .clip(min: hi, max: hi) : activation)
    }

    mutating func binary(_ node: ONNXNode, _ op: BinaryOperator) throws {
        try setOutput(node, 0, try combine(node, op, try input(node, 0), try input(node, 1)))
    }

    /// ONNX Max and Min (and Sum-like ops): one to any number of operands, combined left
    /// to right, each step broadcasting as a binary op.
    mutating func variadic(_ node: ONNXNode, _ op: BinaryOperator) throws {
        let count = node.proto.input.count
        guard count >= 1 else { throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' (\(node.proto.opType)) has no inputs") }
        var value = try input(node, 0)
        for i in 1..<max(count, 1) {
            value = try combine(node, op, value, try input(node, i), suffix: i == count - 1 ? "" : "/\(i)")
        }
        try setOutput(node, 0, value)
    }

    /// PRelu: max(x, 0) + slope·min(x, 0), the slope broadcasting to x as in Mul.
    mutating func prelu(_ node: ONNXNode) throws {
        try setOutput(node, 0, try combine(node, .prelu, try input(node, 0), try input(node, 1)))
    }

    static func isWholeNumber(_ v: Float) -> Bool {
        v.isFinite && v.rounded() == v && v.magnitude < 2_147_483_648
    }

    private mutating func combine(_ node: ONNXNode, _ op: BinaryOperator, _ a: ONNXValue, _ b: ONNXValue, suffix: String = "") throws -> ONNXValue {
        let vigilOp: Op = switch op {
        case .add: .add(activation: .linear)
        case .sub: .sub(activation: .linear)
        case .mul: .mul(activation: .linear)
        case .div: .div(activation: .linear)
        case .max: .maximum(activation: .linear)
        case .min: .minimum(activation: .linear)
        case .pow: .power(activation: .linear)
        case .squaredDifference: .squaredDifference(activation: .linear)
        case .prelu: .prelu(activation: .linear)
        }
        var b = b
        // An integer base with a float exponent of whole numbers (ONNX Pow allows the
        // two types to differ) raises to those integers.
        let integerBase: Bool = switch a {
        case .runtime(let x): elementType(x) != .float32
        case .constant(let x): !x.isFloat
        }
        if op == .pow, integerBase, case .constant(let y) = b, y.isFloat, y.floats.allSatisfy(Self.isWholeNumber) {
            b = .constant(ConstantTensor(shape: y.shape, ints: y.floats.map { Int64($0) }))
        }
        switch (a, b) {
        case (.constant(let x), .constant(let y)):
            return .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.binary(op, x, y) })
        case (.runtime(let x), .runtime(let y)):
            return .runtime(try runtimeBinary(node, x, y, vigilOp, suffix: suffix))
        case (.runtime(let x), .constant(let c)):
            return .runtime(try runtimeConstantBinary(node, x, c, constantFirst: false, vigilOp, suffix: suffix))
        case (.constant(let c), .runtime(let x)):
            return .runtime(try runtimeConstantBinary(node, x, c, constantFirst: true, vigilOp, suffix: suffix))
        }
    }

    private mutating func runtimeBinary(_ node: ONNXNode, _ x: RuntimeValue, _ y: RuntimeValue, _ op: Op, suffix: String) throws -> RuntimeValue {
        guard x.rank == y.rank, x.batchAxis == y.batchAxis else {
            throw ImportError.shapeMismatch(node: node.name, reason: "run-time operands \(x.shape) and \(y.shape) must have the same rank and batch axis")
        }
        guard let shape = ConstantFolding.broadcastShape(x.shape, y.shape) else {
            throw ImportError.shapeMismatch(node: node.name, reason: "shapes \(x.shape) and \(y.shape) do not broadcast")
        }
        var result = x
        result.shape = shape
        result.origin = nil
        if x.featureOrder != nil || y.featureOrder != nil {
            guard x.featureOrder == y.featureOrder, x.storedAxes == y.storedAxes else {
                throw ImportError.needsRuntimeTranspose(node: node.name, reason: "operands are flattened in different feature orders")
            }
            result.id = emit(op, [x.id, y.id], node: node, suffix: suffix, shape: result.storedShape)
            return result
        }
        var wanted = x.storedAxes
        for a in y.storedAxes where !wanted.contains(a) { wanted.append(a) }
        let xid = try conform(x, to: wanted, node: node, need: "the operands must be stored alike")
        let yid = try conform(y, to: wanted, node: node, need: "the operands must be stored alike")
        result.storedAxes = wanted
        result.id = emit(op, [xid, yid], node: node, suffix: suffix, shape: result.storedShape)
        return result
    }

    private mutating func runtimeConstantBinary(_ node: ONNXNode, _ x: RuntimeValue, _ c: ConstantTensor, constantFirst: Bool, _ op: Op, suffix: String) throws -> RuntimeValue {
        if c.containsBatchSymbol { throw ImportError.dynamicShape(node: node.name, reason: "arithmetic with the batch size") }
        let dtype = elementType(x)
        if dtype != .float32 && x.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "\(dtype.name) data flattened in another feature order")
        }
        var cs = c.shape
        while cs.count > x.rank, cs.first == 1 { cs.removeFirst() }
        if cs.count > x.rank {
            throw ImportError.shapeMismatch(node: node.name, reason: "constant operand \(c.shape) has more dimensions than the run-time one \(x.shape)")
        }
        cs = [Int](repeating: 1, count: x.rank - cs.count) + cs
        if x.batchAxis >= 0, cs[x.batchAxis] != 1 {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "constant operand \(c.shape) varies along the batch axis")
        }
        guard let shape = ConstantFolding.broadcastShape(x.shape, cs) else {
            throw ImportError.shapeMismatch(node: node.name, reason: "shapes \(x.shape) and \(c.shape) do not broadcast")
        }
        let expanded = ConstantFolding.reshape(c, to: cs)
        var result = x
        result.shape = shape
        let storedConstant: ConstantTensor
        let xid: TensorID
        if let order = x.featureOrder {
            var v = expanded.floats
            if cs[1] != 1 {
                v = order.map { v[$0] }
            }
            storedConstant = ConstantTensor(shape: [cs[1]], floats: v)
            xid = x.id
        } else {
            var wanted = x.storedAxes
            for a in 0..<x.rank where !wanted.contains(a) && cs[a] != 1 { wanted.append(a) }
            xid = try conform(x, to: wanted, node: node, need: "the constant operand broadcasts along an axis the data lacks")
            result.storedAxes = wanted
            let t = expanded.transposed(wanted.filter { $0 >= 0 } + (0..<x.rank).filter { !wanted.contains($0) })
            storedConstant = ConstantTensor(shape: wanted.dropFirst().map { cs[$0] }, storage: t.storage)
        }
        let name = (constantFirst ? node.proto.input[0] : node.proto.input[1]) + suffix
        if dtype != .float32 {
            let cid = try integerConstant(name, shape: storedConstant.shape, storedConstant, dtype: dtype, node: node.name)
            result.id = emit(op, constantFirst ? [cid, xid] : [xid, cid], node: node, suffix: suffix, shape: result.storedShape)
            return result
        }
        if xid == x.id, result.shape == x.shape,
           try foldIntoProducer(x.id, storedConstant, op: op, constantFirst: constantFirst, tensor: name) {
            return result
        }
        let cid = try weight(name, shape: storedConstant.shape, values: storedConstant.floats, tensor: name)
        result.id = emit(op, constantFirst ? [cid, xid] : [xid, cid], node: node, suffix: suffix, shape: result.storedShape)
        return result
    }

    /// Folds a per-output-channel constant into the convolution or dense layer that
    /// produced `id` (tf2onnx writes biases and Keras BatchNormalization as separate
    /// Add and Mul nodes): y + b, y − b, y·s, y / s. Only when nothing else reads `id`.
    private mutating func foldIntoProducer(_ id: TensorID, _ c: ConstantTensor, op: Op, constantFirst: Bool, tensor: String) throws -> Bool {
        guard aliases[id] == aliasReads[id], !graph.outputs.contains(id),
              let p = graph.nodes.lastIndex(where: { $0.outputs.contains(id) }) else { return false }
        let producer = graph.nodes[p]
        // A Conv1D, ConvND or Dense layer: its weight's last axis is the output channels.
        guard producer.op.weightedLayerActivation == .linear, let arithmetic = op.binaryOperator else { return false }
        let channels = graph.tensors[producer.inputs[1]].shape.last!
        // The constant must vary along the output channels (the last stored axis) only.
        guard c.shape.dropLast().allSatisfy({ $0 == 1 }), c.count == channels || c.count == 1 else { return false }
        let v = c.floats
        for x in v where !x.isFinite { throw ImportError.nonFiniteWeights(tensor: tensor) }
        let per = (0..<channels).map { v[c.count == 1 ? 0 : $0] }
        var weight = graph.floatValues(of: producer.inputs[1])
        var bias = producer.inputs.count > 2 ? graph.floatValues(of: producer.inputs[2]) : [Float](repeating: 0, count: channels)
        switch arithmetic {
        case .add:
            for j in 0..<channels { bias[j] += per[j] }
        case .sub:
            if constantFirst { return false }
            for j in 0..<channels { bias[j] -= per[j] }
        case .mul, .div:
            if constantFirst && arithmetic == .div { return false }
            let scale = arithmetic == .mul ? per : per.map { 1 / $0 }
            for j in weight.indices { weight[j] *= scale[j % channels] }
            for j in 0..<channels { bias[j] *= scale[j] }
        case .max, .min, .pow, .squaredDifference, .prelu:
            return false
        }
        let w = try self.weight(graph.tensors[producer.inputs[1]].name, shape: graph.tensors[producer.inputs[1]].shape, values: weight, tensor: tensor)
        let b = try self.weight(producer.name + "/bias", shape: [channels], values: bias, tensor: tensor)
        graph.nodes[p].inputs = [producer.inputs[0], w, b]
        return true
    }

    /// Softmax, or LogSoftmax with `log`, over one axis.
    mutating func softmax(_ node: ONNXNode, log: Bool = false) throws {
        let x = try runtimeInput(node, 0)
        var a = try axis(try node.attributes.int("axis", default: opset < 13 ? 1 : -1), rank: x.rank, node: node)
        if opset < 13 {
            // Before opset 13 Softmax normalizes axes a… flattened into one: the same as
            // opset 13's over one axis when at most one of them is longer than 1.
            let longer = (a..<x.rank).filter { x.shape[$0] != 1 || $0 == x.batchAxis }
            if longer.count > 1 {
                throw ImportError.unsupportedAttribute(node: node.name, reason: "\(node.proto.opType) of opset \(opset) normalizes axes \(a)… of \(x.shape) as one; Vigil normalizes a single axis")
            }
            a = longer.first ?? a
        }
        if a == x.batchAxis { throw ImportError.unsupportedAttribute(node: node.name, reason: "\(node.proto.opType) over the batch axis") }
        var wanted = x.storedAxes.filter { $0 != a }
        wanted.append(a)
        var result = x
        if x.featureOrder == nil {
            result.storedAxes = wanted
            let id = try conform(x, to: wanted, node: node, need: "Softmax runs over the last stored axis")
            result.id = emit(log ? .logSoftmax(axis: -1) : .softmax(axis: -1), [id], node: node, shape: result.storedShape)
        } else {
            result.id = emit(log ? .logSoftmax(axis: -1) : .softmax(axis: -1), [x.id], node: node, shape: result.storedShape)
        }
        try setOutput(node, 0, .runtime(result))
    }

    mutating func batchNormalization(_ node: ONNXNode) throws {
        if try node.attributes.int("training_mode", default: 0) != 0 {
            return try batchNormalizationTraining(node)
        }
        for i in 1..<5 where isRead(node, output: i) {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "BatchNormalization's running statistics outputs are used")
        }
        let x = try runtimeInput(node, 0)
        guard x.rank >= 2 else { throw ImportError.shapeMismatch(node: node.name, reason: "input rank \(x.rank) has no channel axis") }
        let channels = x.shape[1]
        var params: [[Float]] = []
        for (i, role) in ["scale", "B", "input_mean", "input_var"].enumerated() {
            guard let c = try constantInput(node, i + 1, role: role) else {
                throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' lacks BatchNormalization input \(role)")
            }
            if c.count != channels || c.shape.count != 1 {
                throw ImportError.shapeMismatch(node: node.name, reason: "\(role) has shape \(c.shape), expected [\(channels)]")
            }
            let v = c.floats
            if v.contains(where: { !$0.isFinite }) { throw ImportError.nonFiniteWeights(tensor: node.proto.input[i + 1]) }
            params.append(v)
        }
        let epsilon = try node.attributes.float("epsilon", default: 1e-5)
        let (scale, shift) = GraphBuilder.batchNormAffine(gamma: params[0], beta: params[1], mean: params[2], variance: params[3], epsilon: epsilon)
        var result = x
        let xid: TensorID
        if x.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "BatchNormalization of a flattened channels-first tensor")
        } else {
            var wanted = x.storedAxes.filter { $0 != 1 }
            wanted.append(1)
            xid = try conform(x, to: wanted, node: node, need: "BatchNormalization scales the last stored axis")
            result.storedAxes = wanted
        }
        let s = try weight(node.name + "/scale", shape: [channels], values: scale, tensor: node.proto.input[1])
        let t = try weight(node.name + "/shift", shape: [channels], values: shift, tensor: node.proto.input[2])
        result.id = emit(.affine, [xid, s, t], node: node, shape: result.storedShape)
        try setOutput(node, 0, .runtime(result))
    }
}

extension ONNXGraphConverter {
    /// LayerNormalization (opset 17): axes `axis`… normalized together, as one block per
    /// row (a reshape to [rows, block] around Vigil's last-axis op when the block spans
    /// several axes); Scale and the optional B are constants broadcast to the block.
    /// Mean and InvStdDev ([…, 1, …, 1]) are computed when the graph reads them.
    mutating func layerNormalization(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        let a = try axis(try node.attributes.int("axis", default: -1), rank: x.rank, node: node)
        if !x.isBatchFree && x.batchAxis >= a {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "LayerNormalization from axis \(a) includes the batch axis \(x.batchAxis)")
        }
        let blockShape = Array(x.shape[a...])
        let block = blockShape.reduce(1, *)
        func broadcast(_ i: Int, role: String, absent: Float) throws -> [Float] {
            guard let c = try constantInput(node, i, role: role) else {
                if i == 1 { throw ImportError.malformedFile(path: path, reason: "node '\(node.name)' lacks LayerNormalization input Scale") }
                return [Float](repeating: absent, count: block)
            }
            guard ConstantFolding.broadcastShape(c.shape, blockShape) == blockShape else {
                throw ImportError.shapeMismatch(node: node.name, reason: "\(role) of shape \(c.shape) does not broadcast to the normalized axes \(blockShape)")
            }
            return c.broadcast(to: blockShape).floats
        }
        let scale = try broadcast(1, role: "Scale", absent: 1), bias = try broadcast(2, role: "B", absent: 0)
        let epsilon = try node.attributes.float("epsilon", default: 1e-5)
        let wanted = x.isBatchFree ? [-1] + Array(0..<x.rank) : [x.batchAxis] + (0..<x.rank).filter { $0 != x.batchAxis }
        let id = try conform(x, to: wanted, node: node, need: "LayerNormalization normalizes trailing axes in ONNX's order")
        var result = x
        result.storedAxes = wanted
        let lead = wanted.dropFirst().filter { $0 < a }.map { x.shape[$0] }
        let rows = lead + [block]
        let input = rows == result.storedShape ? id : emit(.reshape(shape: rows), [id], node: node, suffix: "/rows", shape: rows)
        let s = graph.addConstant(name: node.name + "/scale", shape: [block], values: scale)
        let b = graph.addConstant(name: node.name + "/bias", shape: [block], values: bias)
        let statistics = isRead(node, output: 1) || isRead(node, output: 2)
        let y = graph.addTensor(name: node.name + ":0", dtype: .float32, shape: rows)
        var outputs = [y]
        if statistics {
            outputs.append(graph.addTensor(name: node.name + ":1", dtype: .float32, shape: lead + [1]))
            outputs.append(graph.addTensor(name: node.name + ":2", dtype: .float32, shape: lead + [1]))
        }
        graph.nodes.append(Node(name: node.name, op: .layerNormalization(epsilon: epsilon), inputs: [input, s, b], outputs: outputs))
        result.id = rows == result.storedShape ? y : emit(.reshape(shape: result.storedShape), [y], node: node, suffix: "/restore", shape: result.storedShape)
        try setOutput(node, 0, .runtime(result))
        if statistics {
            // [lead…, 1]: the lead axes, then axis `a` (size 1 in ONNX's view), the rest unit.
            var stat = RuntimeValue(id: outputs[1], shape: Array(x.shape[..<a]) + [Int](repeating: 1, count: x.rank - a),
                                    storedAxes: wanted.filter { $0 < a } + [a])
            if isRead(node, output: 1) { try setOutput(node, 1, .runtime(stat)) }
            stat.id = outputs[2]
            if isRead(node, output: 2) { try setOutput(node, 2, .runtime(stat)) }
        }
    }
}
