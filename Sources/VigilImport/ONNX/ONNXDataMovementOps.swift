import VigilRuntime

/// Slice, Gather, Expand and Concat-with-a-constant of run-time data, and the run-time
/// transpose a layout relabel cannot replace. Each works on the value's stored axes, so
/// no layout has to change for it; the batch axis is never touched (a model that works
/// along it imports batch-free, where the ONNX axes are all per-sample).
extension ONNXGraphConverter {
    /// `v` stored with its ONNX axes in the order `wanted` by a run-time transpose, with
    /// copy-free reshapes around it that drop and restore unit axes.
    mutating func transposed(_ v: RuntimeValue, to wanted: [Int], node: ONNXNode, otherwise problem: ImportError) throws -> TensorID {
        guard wanted.first == v.batchAxis, v.featureOrder == nil else { throw problem }
        let from = v.memoryOrder(v.storedAxes), to = v.memoryOrder(wanted)
        guard from.count == to.count, Set(from) == Set(to) else { throw problem }
        var permutation: [Int] = []
        for axis in to {
            guard let i = from.firstIndex(of: axis) else { throw problem }
            permutation.append(i)
        }
        let squeezed = reshaped(v.id, to: from.map { v.shape[$0] }, node: node)
        let out = emit(.transpose(permutation: permutation), [squeezed], node: node, suffix: "/transpose\(graph.nodes.count)", shape: to.map { v.shape[$0] })
        return reshaped(out, to: wanted.dropFirst().map { $0 < 0 ? 1 : v.shape[$0] }, node: node)
    }

    /// A Slice of run-time data off the batch axis: `ranges` holds the kept indices of
    /// every ONNX axis (an arithmetic progression each).
    mutating func sliceStored(_ node: ONNXNode, _ v: RuntimeValue, ranges: [[Int]]) throws -> RuntimeValue {
        if v.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "slicing a flattened channels-first tensor whose features Vigil stores in another order")
        }
        if let empty = ranges.firstIndex(where: { $0.isEmpty }) {
            throw ImportError.shapeMismatch(node: node.name, reason: "the slice of axis \(empty) is empty; Vigil tensors have no empty axes")
        }
        for a in 0..<v.rank where !v.storedAxes.contains(a) && ranges[a] != [0] {
            throw ImportError.malformedFile(path: path, reason: "internal: slice of unstored unit axis \(a)")
        }
        var starts: [Int] = [], steps: [Int] = [], sizes: [Int] = []
        for a in v.storedAxes.dropFirst() {
            let kept = a < 0 ? [0] : ranges[a]
            starts.append(kept[0])
            steps.append(kept.count > 1 ? kept[1] - kept[0] : 1)
            sizes.append(kept.count)
        }
        var result = v
        result.shape = ranges.map(\.count)
        result.id = emit(.slice(starts: starts, steps: steps, sizes: sizes), [v.id], node: node, shape: sizes)
        return result
    }

    /// Gather of run-time data along ONNX axis `a` with resolved (non-negative) indices.
    mutating func gatherRuntime(_ node: ONNXNode, _ v: RuntimeValue, indices: [Int], indexShape: [Int], axis a: Int) throws -> RuntimeValue {
        if a == v.batchAxis { throw ImportError.dynamicShape(node: node.name, reason: "gathers along the batch axis") }
        if v.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "gathering from a flattened channels-first tensor whose features Vigil stores in another order")
        }
        guard let position = v.storedAxes.firstIndex(of: a) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Gather along axis \(a), a unit axis Vigil does not store")
        }
        let r = indexShape.count
        var stored: [Int] = []
        for s in v.storedAxes {
            if s < 0 || s < a { stored.append(s) } else if s == a { stored.append(contentsOf: a..<(a + r)) } else { stored.append(s + r - 1) }
        }
        if stored.count < 2 { throw ImportError.shapeMismatch(node: node.name, reason: "gathering one element leaves only the batch axis") }
        var result = v
        result.shape = Array(v.shape[..<a]) + indexShape + Array(v.shape[(a + 1)...])
        result.storedAxes = stored
        if let o = v.origin {
            result.origin = .init(input: o.input, axes: Array(o.axes[..<a]) + [Int?](repeating: nil, count: r) + Array(o.axes[(a + 1)...]))
        }
        let table = graph.addConstant(name: node.name + "/indices", shape: indexShape, values: indices.map { Int32($0) })
        result.id = emit(.gather(axis: position - 1), [v.id, table], node: node, shape: result.storedShape)
        return result
    }

    /// Expand of run-time data to the ONNX shape `dims` (numpy broadcasting); the batch
    /// axis keeps its size. Output axes the value does not store go first.
    mutating func expandRuntime(_ node: ONNXNode, _ v: RuntimeValue, dims: [Int64]) throws -> RuntimeValue {
        if v.featureOrder != nil {
            throw ImportError.needsRuntimeTranspose(node: node.name, reason: "expanding a flattened channels-first tensor whose features Vigil stores in another order")
        }
        let rank = max(v.rank, dims.count), offset = rank - v.rank
        let batch = v.batchAxis < 0 ? -1 : v.batchAxis + offset
        var shape: [Int] = []
        for i in 0..<rank {
            let have = i < offset ? 1 : v.shape[i - offset]
            let j = i - (rank - dims.count)
            let want = j < 0 ? 1 : dims[j]
            if i == batch {
                if want != 1 && want != ConstantTensor.batchSymbol { throw ImportError.dynamicShape(node: node.name, reason: "expands the batch axis to \(want)") }
                shape.append(1)
                continue
            }
            guard want != ConstantTensor.batchSymbol else { throw ImportError.dynamicShape(node: node.name, reason: "moves the batch size to axis \(i)") }
            guard want >= 0, want <= Int64(ConstantTensor.maxElements) else { throw ImportError.shapeMismatch(node: node.name, reason: "Expand to dimension \(want)") }
            let d = Int(want)
            if have == d || d == 1 { shape.append(have) } else if have == 1 { shape.append(d) } else {
                throw ImportError.shapeMismatch(node: node.name, reason: "cannot expand \(v.shape) to \(dims)")
            }
        }
        if shape.contains(0) { throw ImportError.shapeMismatch(node: node.name, reason: "expanding to \(dims) leaves an empty axis") }
        guard ConstantTensor.elementCount(shape) != nil else { throw ImportError.shapeMismatch(node: node.name, reason: "Expand to \(dims) is too large") }
        let kept = v.storedAxes.relabelled { $0 + offset }
        let added = (0..<rank).filter { $0 != batch && !kept.contains($0) && shape[$0] > 1 }
        var result = v
        result.shape = shape
        result.storedAxes = [kept[0]] + added + kept.dropFirst()
        if let o = v.origin { result.origin = .init(input: o.input, axes: [Int?](repeating: nil, count: offset) + o.axes) }
        if result.storedShape != v.storedShape {
            result.id = emit(.expand(shape: result.storedShape), [v.id], node: node, shape: result.storedShape)
        }
        return result
    }

    /// A Concat constant operand stored like the run-time operands (`wanted`, batch first):
    /// one sample, which Vigil repeats for every batch item.
    mutating func concatConstant(_ node: ONNXNode, _ c: ConstantTensor, like first: RuntimeValue, wanted: [Int], index: Int) throws -> TensorID {
        if c.shape.count != first.rank {
            throw ImportError.shapeMismatch(node: node.name, reason: "constant operand \(index) \(c.shape) and run-time operand \(first.shape) differ in rank")
        }
        if first.batchAxis >= 0 && c.shape[first.batchAxis] != 1 {
            throw ImportError.dynamicShape(node: node.name, reason: "constant operand \(index) \(c.shape) varies along the batch axis; Vigil repeats one constant sample for every batch item")
        }
        let stored = wanted.dropFirst().filter { $0 >= 0 }
        let rest = (0..<c.shape.count).filter { !stored.contains($0) }
        if let big = rest.first(where: { c.shape[$0] != 1 }) {
            throw ImportError.shapeMismatch(node: node.name, reason: "constant operand \(index) \(c.shape) has size \(c.shape[big]) on axis \(big), where the run-time operands have 1")
        }
        let values = c.transposed(Array(stored) + rest).floats
        return graph.addConstant(name: node.name + "/operand\(index)", shape: wanted.dropFirst().map { $0 < 0 ? 1 : c.shape[$0] }, values: values)
    }
}
