import VigilRuntime

/// What TensorFlow's converter writes around layers applied to sequences with a
/// dynamic batch (Keras' Dense over [N, L, C], MultiHeadAttention):
///
/// - `SHAPE → GATHER → REDUCE_PROD → PACK` (and CONCATENATION) chains computing a
///   RESHAPE's target are folded at import. The batch, unknown until run time, is
///   carried symbolically (`batchTimes`), so a target [batch·L, C] is known as "the
///   batch merged with L rows".
/// - A tensor whose first axis merges the batch with k rows is stored per sample as
///   [k, …] (`mergedBatch`); only RESHAPE, FULLY_CONNECTED and SHAPE read one.
/// - BATCH_MATMUL of two run-time operands with the same leading axes (attention's
///   scores and context), `adj_x` / `adj_y` as transposes of the last two axes;
///   int8 as LiteRT's reference kernel (`Int8ReferenceKernels.matMul`).
extension TFLiteConverter {
    /// Stands for the batch size times `k` in folded int32 values.
    static func batchTimes(_ k: Int) -> Int { Int.min + k }

    /// The k of a symbolic batch·k, nil for an ordinary value.
    static func batchFactor(_ v: Int) -> Int? { v >= Int.min + 1 && v < Int.min + (1 << 40) ? v - Int.min : nil }

    /// The operators that may read a tensor whose first axis merges the batch.
    static let readsMergedBatch: Set<BuiltinOperator> = [.reshape, .fullyConnected, .shape]

    /// The value of an int32 tensor known at import: folded, or constant data.
    func knownInt32(_ index: Int, node: String) throws(ImportError) -> [Int]? {
        if let v = folded[index] { return v }
        if model.data(of: index).isEmpty { return nil }
        return try int32Constant(index, node: node)
    }

    mutating func foldShapeOp(_ builtin: BuiltinOperator, _ op: TFLiteModel.Operator, name: String) throws(ImportError) {
        func input(_ i: Int) throws(ImportError) -> Int {
            guard i < op.inputs.count, op.inputs[i] >= 0 else {
                throw ImportError.malformedFile(path: path, reason: "operator '\(name)' (\(builtin.name)) lacks input \(i)")
            }
            return op.inputs[i]
        }
        func known(_ i: Int, _ role: String) throws(ImportError) -> [Int] {
            let index = try input(i)
            guard let v = try knownInt32(index, node: name) else {
                throw ImportError.unsupportedAttribute(node: name, reason: "\(builtin.name) of run-time data ('\(model.tensors[index].name)', the \(role)); Vigil folds \(builtin.name) over shapes known at import")
            }
            return v
        }
        guard let out = op.outputs.first, out >= 0 else { throw .malformedFile(path: path, reason: "operator '\(name)' has no output") }
        if folded[out] != nil || vigil[out] != nil { throw .malformedFile(path: path, reason: "tensor '\(model.tensors[out].name)' is written twice") }
        let value: [Int]
        switch builtin {
        case .shape:
            let x = try input(0)
            if let k = mergedBatch[x], let id = vigil[x] {
                value = [Self.batchTimes(k)] + graph.tensors[id].shape.dropFirst()
            } else if let c = folded[x] {
                value = [c.count]
            } else {
                _ = try activation(x, node: name)
                let shape = model.tensors[x].shape
                guard shape.first == 1 else { throw .unsupportedAttribute(node: name, reason: "SHAPE of '\(model.tensors[x].name)' \(shape) without a batch axis") }
                value = [Self.batchTimes(1)] + shape.dropFirst()
            }
        case .gather:
            let params = try known(0, "params"), indices = try known(1, "indices")
            let axis = Int(try op.options?.i32(0, default: 0) ?? 0)
            guard axis == 0, model.tensors[try input(0)].shape.count <= 1 else {
                throw .unsupportedAttribute(node: name, reason: "GATHER along axis \(axis) of \(model.tensors[try input(0)].shape); Vigil folds GATHER from a vector")
            }
            var picked: [Int] = []
            for i in indices {
                let j = i < 0 ? i + params.count : i
                guard params.indices.contains(j) else { throw .unsupportedAttribute(node: name, reason: "GATHER index \(i) outside \(params.count) values") }
                picked.append(params[j])
            }
            value = picked
        case .reduceProd:
            let x = try known(0, "input"), axes = try known(1, "axes")
            guard model.tensors[try input(0)].shape.count <= 1, axes.allSatisfy({ $0 == 0 || $0 == -1 }) else {
                throw .unsupportedAttribute(node: name, reason: "REDUCE_PROD over axes \(axes) of \(model.tensors[try input(0)].shape); Vigil folds it over a vector")
            }
            var product = 1, factor: Int? = nil
            for v in x {
                if let k = Self.batchFactor(v) {
                    if factor != nil { throw .unsupportedAttribute(node: name, reason: "REDUCE_PROD multiplies the batch by itself") }
                    factor = k
                    product *= k
                } else {
                    if v < 0 { throw .unsupportedAttribute(node: name, reason: "REDUCE_PROD of an unknown dimension \(v)") }
                    product *= v
                }
                if product > 1 << 28 { throw .unsupportedAttribute(node: name, reason: "REDUCE_PROD of \(x) is too large") }
            }
            value = [factor != nil ? Self.batchTimes(max(product, 1)) : product]
        case .pack:
            // Scalars (or vectors along axis 0) stacked: only flat results are folded.
            var joined: [Int] = []
            for i in op.inputs.indices {
                let part = try known(i, "value \(i)")
                if model.tensors[try input(i)].shape.count > 0 { throw .unsupportedAttribute(node: name, reason: "PACK of vectors; Vigil folds PACK of scalars") }
                joined += part
            }
            value = joined
        default:
            throw .unsupportedOp(node: name, type: builtin.name, supported: TFLiteImporter.supportedOps)
        }
        folded[out] = value
    }

    /// CONCATENATION of int32 values known at import, folded; nil when an input is run-time data.
    mutating func foldedConcatenation(_ op: TFLiteModel.Operator, name: String) throws(ImportError) -> Bool {
        guard let out = op.outputs.first, out >= 0, !op.inputs.isEmpty,
              op.inputs.allSatisfy({ $0 >= 0 && model.tensors[$0].type == .int32 && (folded[$0] != nil || !model.data(of: $0).isEmpty) }),
              op.inputs.contains(where: { folded[$0] != nil }) else { return false }
        var joined: [Int] = []
        for i in op.inputs {
            if model.tensors[i].shape.count > 1 { throw .unsupportedAttribute(node: name, reason: "CONCATENATION of int32 matrices; Vigil folds vectors") }
            joined += try knownInt32(i, node: name) ?? []
        }
        folded[out] = joined
        return true
    }

    /// The Vigil shape of a RESHAPE (or EXPAND_DIMS / SQUEEZE) output, and the rows it
    /// merges with the batch: from the new-shape input when it is known and involves
    /// the batch (a folded target, a leading -1, or a merged input), else the file's
    /// static shape.
    func reshapeTarget(_ op: TFLiteModel.Operator, code: BuiltinOperator, input x: Int, output: Int, name: String) throws(ImportError) -> (shape: [Int], merged: Int?) {
        var target: [Int]? = nil
        if code == .reshape, op.inputs.count > 1, op.inputs[1] >= 0 { target = try knownInt32(op.inputs[1], node: name) }
        let inputMerged = mergedBatch[x]
        guard let t = target, !t.isEmpty, inputMerged != nil || t.first == -1 || t.contains(where: { Self.batchFactor($0) != nil }) else {
            return (try vigilShape(model.tensors[output], node: name), nil)
        }
        guard let xID = vigil[x] else { throw .malformedFile(path: path, reason: "operator '\(name)' reads '\(model.tensors[x].name)' before it is written") }
        var elements = 1
        for d in graph.tensors[xID].shape { elements *= d }
        var rest = Array(t.dropFirst())
        // Sizes as vigilShape bounds them, so that no product below overflows.
        if rest.contains(where: { $0 > 1 << 24 }) || (Self.batchFactor(t[0]) ?? 0) > 1 << 24 {
            throw .malformedFile(path: path, reason: "RESHAPE '\(name)' to \(t): a dimension is too large")
        }
        if rest.contains(where: { Self.batchFactor($0) != nil }) || rest.contains(where: { $0 < -1 || $0 == 0 }) || rest.filter({ $0 == -1 }).count + (t[0] == -1 ? 1 : 0) > 1 {
            throw .unsupportedAttribute(node: name, reason: "RESHAPE to \(t.map { Self.batchFactor($0).map { "batch·\($0)" } ?? "\($0)" }); Vigil keeps the batch first")
        }
        var known = 1
        for d in rest where d > 0 {
            known *= d
            if known > 1 << 28 { throw .malformedFile(path: path, reason: "RESHAPE '\(name)' to \(t) is too large") }
        }
        var rows: Int
        if let k = Self.batchFactor(t[0]) {
            rows = k
            if let j = rest.firstIndex(of: -1) {
                guard known * rows > 0, elements % (known * rows) == 0 else { throw .shapeMismatch(node: name, reason: "RESHAPE of \(elements) elements per sample to \(t)") }
                rest[j] = elements / (known * rows)
            }
        } else if t[0] == -1 {
            guard known > 0, elements % known == 0 else { throw .shapeMismatch(node: name, reason: "RESHAPE of \(elements) elements per sample to \(t)") }
            rows = elements / known
        } else {
            throw .unsupportedAttribute(node: name, reason: "RESHAPE of '\(model.tensors[x].name)', which merges the batch with \(inputMerged ?? 1) rows, to \(t); Vigil keeps the batch first")
        }
        if rows * rest.reduce(1, *) != elements { throw .shapeMismatch(node: name, reason: "RESHAPE of \(elements) elements per sample to \(t)") }
        if rows == 1 {
            var t = model.tensors[output]
            t.shape = [1] + rest
            return (try vigilShape(t, node: name), nil)
        }
        return ([rows] + rest, rows)
    }

    mutating func batchMatMul(_ op: TFLiteModel.Operator, name: String) throws(ImportError) {
        guard op.inputs.count >= 2, op.inputs[0] >= 0, op.inputs[1] >= 0, let out = op.outputs.first, out >= 0 else {
            throw .malformedFile(path: path, reason: "operator '\(name)' (BATCH_MATMUL) lacks an operand")
        }
        if !model.data(of: op.inputs[1]).isEmpty || !model.data(of: op.inputs[0]).isEmpty {
            throw .unsupportedAttribute(node: name, reason: "BATCH_MATMUL by a constant; Vigil multiplies two run-time operands here (a constant one is a FULLY_CONNECTED)")
        }
        let o = try options(op, node: name)
        let adjoint = [try o.bool(0), try o.bool(1)]
        var operands: [TensorID] = []
        for (k, index) in op.inputs.prefix(2).enumerated() {
            var id = try activation(index, node: name)
            let shape = graph.tensors[id].shape
            if shape.count < 2 { throw .shapeMismatch(node: name, reason: "BATCH_MATMUL operand '\(model.tensors[index].name)' has rank \(shape.count + 1); it needs a matrix per sample") }
            if adjoint[k] {
                var perm = Array(0..<shape.count)
                perm.swapAt(shape.count - 1, shape.count - 2)
                var swapped = shape
                swapped.swapAt(shape.count - 1, shape.count - 2)
                let t = graph.addTensor(name: name + (k == 0 ? "/adj_x" : "/adj_y"), dtype: graph.tensors[id].dtype, shape: swapped)
                graph.tensors[t].quantization = graph.tensors[id].quantization
                graph.nodes.append(Node(name: name + (k == 0 ? "/adj_x" : "/adj_y"), op: .transpose(permutation: perm), inputs: [id], outputs: [t]))
                id = t
            }
            operands.append(id)
        }
        let (a, b) = (graph.tensors[operands[0]].shape, graph.tensors[operands[1]].shape)
        guard a.count == b.count, a.dropLast(2) == b.dropLast(2), a[a.count - 1] == b[b.count - 2] else {
            throw .shapeMismatch(node: name, reason: "BATCH_MATMUL of \(a) · \(b) per sample; Vigil multiplies [..., M, K] · [..., K, N] with the same leading axes")
        }
        let y = try self.output(out, node: name)
        graph.nodes.append(Node(name: name, op: .matMul, inputs: operands, outputs: [y]))
    }

    /// SPLIT (axis, value; `num_splits` equal parts), SPLIT_V (value, size_splits, axis)
    /// and UNPACK (value; `num`, `axis`: parts of size 1 with that axis removed): each
    /// output a Vigil slice of the input (int8 keeping its parameters), reshaped where
    /// an axis goes away.
    mutating func splitOp(_ builtin: BuiltinOperator, _ op: TFLiteModel.Operator, name: String) throws(ImportError) {
        func input(_ i: Int) throws(ImportError) -> Int {
            guard i < op.inputs.count, op.inputs[i] >= 0 else {
                throw ImportError.malformedFile(path: path, reason: "operator '\(name)' (\(builtin.name)) lacks input \(i)")
            }
            return op.inputs[i]
        }
        let valueIndex = try input(builtin == .split ? 1 : 0)
        let xT = model.tensors[valueIndex]
        let x = try activation(valueIndex, node: name)
        let rank = xT.shape.count
        var axis: Int
        var sizes: [Int]
        let outputs = op.outputs
        if outputs.isEmpty || outputs.contains(where: { $0 < 0 }) { throw .malformedFile(path: path, reason: "operator '\(name)' (\(builtin.name)) has a missing output") }
        switch builtin {
        case .split:
            guard let a = try int32Constant(try input(0), node: name).first else { throw .unsupportedAttribute(node: name, reason: "SPLIT without an axis") }
            axis = a
        case .splitV:
            guard let a = try int32Constant(try input(2), node: name).first else { throw .unsupportedAttribute(node: name, reason: "SPLIT_V without an axis") }
            axis = a
        default:
            axis = Int(try options(op, node: name).i32(1))
        }
        if axis < 0 { axis += rank }
        guard axis > 0, axis < rank, let vigilAxis = Self.vigilAxis(axis, of: xT.shape) else {
            throw .unsupportedAttribute(node: name, reason: "\(builtin.name) along axis \(axis) of \(xT.shape); Vigil splits the axes after the batch")
        }
        let extent = xT.shape[axis]
        switch builtin {
        case .split:
            let n = outputs.count
            guard extent % n == 0 else { throw .shapeMismatch(node: name, reason: "SPLIT of \(extent) into \(n) equal parts") }
            sizes = [Int](repeating: extent / n, count: n)
        case .splitV:
            sizes = try int32Constant(try input(1), node: name)
            if let unknown = sizes.firstIndex(of: -1) { sizes[unknown] = extent - sizes.filter { $0 != -1 }.reduce(0, +) }
            guard sizes.count == outputs.count, sizes.allSatisfy({ $0 > 0 }), sizes.reduce(0, +) == extent else {
                throw .shapeMismatch(node: name, reason: "SPLIT_V sizes \(sizes) of an axis of \(extent) into \(outputs.count) outputs")
            }
        default:
            guard outputs.count == extent else { throw .shapeMismatch(node: name, reason: "UNPACK of \(extent) steps into \(outputs.count) outputs") }
            sizes = [Int](repeating: 1, count: extent)
        }
        let shape = graph.tensors[x].shape
        // The file's declared shape may disagree with what its producer made (a hostile
        // or broken file): the split axis must exist, with the extent split, in the
        // tensor the graph holds.
        guard vigilAxis >= 1, vigilAxis <= shape.count, shape[vigilAxis - 1] == extent else {
            throw .shapeMismatch(node: name, reason: "\(builtin.name) input '\(xT.name)' is declared \(xT.shape) but holds \(shape) after the batch")
        }
        var start = 0
        for (k, out) in outputs.enumerated() {
            var starts = [Int](repeating: 0, count: shape.count), counts = shape
            starts[vigilAxis - 1] = start
            counts[vigilAxis - 1] = sizes[k]
            start += sizes[k]
            let outShape = try vigilShape(model.tensors[out], node: name)
            if perTensorQuantization(model.tensors[out]) != graph.tensors[x].quantization {
                throw .unsupportedAttribute(node: name, reason: "\(builtin.name) output '\(model.tensors[out].name)' has other quantization parameters than its input; the parts of a split keep the input's")
            }
            let slicedName = builtin == .unpack ? "\(name)/slice\(k)" : model.tensors[out].name
            let sliced = builtin == .unpack ? graph.addTensor(name: slicedName, dtype: graph.tensors[x].dtype, shape: counts) : try output(out, node: name)
            graph.tensors[sliced].quantization = graph.tensors[x].quantization
            graph.nodes.append(Node(name: "\(name)/\(k)", op: .slice(starts: starts, steps: [Int](repeating: 1, count: shape.count), sizes: counts), inputs: [x], outputs: [sliced]))
            if builtin == .unpack {
                let y = try output(out, node: name)
                graph.tensors[y].quantization = graph.tensors[x].quantization
                graph.nodes.append(Node(name: "\(name)/\(k)/reshape", op: .reshape(shape: outShape), inputs: [sliced], outputs: [y]))
            } else if outShape != counts {
                throw .shapeMismatch(node: name, reason: "\(builtin.name) output '\(model.tensors[out].name)' is \(model.tensors[out].shape), not the part \(counts)")
            }
        }
    }
}
