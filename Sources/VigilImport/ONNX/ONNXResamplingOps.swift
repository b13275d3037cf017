import VigilRuntime

/// Tile, Resize and Where: folded over constants; over run-time data lowered to the ops
/// Vigil runs (Concat of copies; Gather at the source positions, and for linear
/// interpolation the weighted difference of two gathers; Mul and Add by a constant mask).
extension ONNXGraphConverter {
    /// Tile: each axis repeated `repeats` times. A constant folds; run-time data is
    /// concatenated with itself along each repeated axis (never the batch).
    mutating func tile(_ node: ONNXNode) throws {
        let value = try input(node, 0)
        guard let repeatsTensor = try constantInput(node, 1, role: "repeats") else {
            throw ImportError.malformedFile(path: path, reason: "Tile '\(node.name)' lacks its repeats")
        }
        let repeats = repeatsTensor.ints
        let shape = value.shape
        guard repeats.count == shape.count, repeats.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Tile repeats \(repeats) for shape \(shape); each from 1 to 4096")
        }
        switch value {
        case .constant(let c):
            var target = c.shape
            for a in target.indices { target[a] *= Int(repeats[a]) }
            if ConstantTensor.foldedElementCount(target) == nil {
                throw ImportError.shapeMismatch(node: node.name, reason: "the tiled constant \(target) has \(ConstantTensor.foldedLimitReason)")
            }
            // Gather along each axis with indices i mod size.
            var result = c
            for a in target.indices where repeats[a] > 1 {
                let n = result.shape[a]
                let indices = (0..<(n * Int(repeats[a]))).map { $0 % n }
                result = ConstantFolding.gather(result, indices: indices, indexShape: [indices.count], axis: a)
            }
            try setOutput(node, 0, .constant(result))
        case .runtime(let v):
            if !v.isBatchFree && repeats[v.batchAxis] != 1 { throw ImportError.dynamicShape(node: node.name, reason: "Tile repeats the batch axis") }
            let axes = repeats.indices.filter { repeats[$0] > 1 }
            if axes.isEmpty {
                try setOutput(node, 0, value)
                return
            }
            var source = node.proto.input[0]
            for (i, a) in axes.enumerated() {
                let out = i == axes.count - 1 ? try outputName(node) : "\(node.name)/axis\(a):0"
                try lower("Concat", name: "\(node.name)/axis\(a)", inputs: [String](repeating: source, count: Int(repeats[a])), outputs: [out],
                          attributes: ["axis": .int(Int64(a))])
                source = out
            }
        }
    }

    /// Resize along one axis (nearest or linear, ONNX's coordinate transformation modes):
    /// each output position's source position computed at import, in float as ONNX
    /// Runtime does; nearest gathers, linear blends the two neighbours.
    mutating func resize(_ node: ONNXNode) throws {
        let x = try runtimeInput(node, 0)
        let a = node.attributes
        let mode = try a.string("mode", default: "nearest")
        guard mode == "nearest" || mode == "linear" else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize mode '\(mode)'; Vigil resizes by nearest or linear")
        }
        if try a.int("antialias", default: 0) != 0 { throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize with antialias") }
        if try a.int("exclude_outside", default: 0) != 0 { throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize with exclude_outside") }
        if a.has("axes") { throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize with axes; Vigil reads scales or sizes for every axis") }
        let transform = try a.string("coordinate_transformation_mode", default: "half_pixel")
        let nearestMode = try a.string("nearest_mode", default: "round_prefer_floor")
        let scales = try constantInput(node, 2, role: "scales")?.floats ?? []
        let sizes = try constantInput(node, 3, role: "sizes")?.ints ?? []
        var outShape = x.shape
        var scale = [Float](repeating: 1, count: x.rank)
        if !sizes.isEmpty {
            guard sizes.count == x.rank, scales.isEmpty else { throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize sizes \(sizes) for rank \(x.rank)") }
            for i in 0..<x.rank where i != x.batchAxis {
                guard sizes[i] >= 1, sizes[i] <= 1 << 24 else { throw ImportError.shapeMismatch(node: node.name, reason: "Resize to size \(sizes[i])") }
                outShape[i] = Int(sizes[i])
                scale[i] = Float(sizes[i]) / Float(x.shape[i])
            }
        } else {
            guard scales.count == x.rank else { throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize scales \(scales) for rank \(x.rank)") }
            for i in 0..<x.rank where i != x.batchAxis {
                let size = (Float(x.shape[i]) * scales[i]).rounded(.down)
                guard scales[i] > 0, size >= 1, size <= Float(1 << 24) else { throw ImportError.shapeMismatch(node: node.name, reason: "Resize scale \(scales[i])") }
                outShape[i] = Int(size)
                scale[i] = scales[i]
            }
        }
        if !x.isBatchFree && (sizes.isEmpty ? scales[x.batchAxis] != 1 : sizes[x.batchAxis] != 1 && sizes[x.batchAxis] != ConstantTensor.batchSymbol) {
            throw ImportError.dynamicShape(node: node.name, reason: "Resize of the batch axis")
        }
        let changed = (0..<x.rank).filter { $0 != x.batchAxis && outShape[$0] != x.shape[$0] }
        if changed.isEmpty {
            try setOutput(node, 0, .runtime(x))
            return
        }
        guard changed.count == 1, let axis = changed.first else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize of \(x.shape) to \(outShape) along \(changed.count) axes; Vigil resizes along one")
        }
        let (length, outLength, s) = (x.shape[axis], outShape[axis], scale[axis])
        var positions: [Float] = []
        for i in 0..<outLength {
            let p: Float
            switch transform {
            case "half_pixel": p = (Float(i) + 0.5) / s - 0.5
            case "pytorch_half_pixel": p = outLength > 1 ? (Float(i) + 0.5) / s - 0.5 : 0
            case "align_corners": p = outLength > 1 ? Float(i) * Float(length - 1) / Float(outLength - 1) : 0
            case "asymmetric": p = Float(i) / s
            case "tf_half_pixel_for_nn": p = (Float(i) + 0.5) / s
            default: throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize coordinate_transformation_mode '\(transform)'")
            }
            positions.append(p)
        }
        let last = Float(length - 1)
        if mode == "nearest" {
            var indices: [Int64] = []
            for p in positions {
                let q: Float
                switch nearestMode {
                case "round_prefer_floor": q = p == p.rounded(.down) + 0.5 ? p.rounded(.down) : p.rounded()
                case "round_prefer_ceil": q = p == p.rounded(.down) + 0.5 ? p.rounded(.up) : p.rounded()
                case "floor": q = p.rounded(.down)
                case "ceil": q = p.rounded(.up)
                default: throw ImportError.unsupportedAttribute(node: node.name, reason: "Resize nearest_mode '\(nearestMode)'")
                }
                indices.append(Int64(max(0, min(last, q))))
            }
            try lower("Gather", name: node.name, inputs: [node.proto.input[0]], constants: [indices], outputs: [try outputName(node)],
                      attributes: ["axis": .int(Int64(axis))])
            return
        }
        // Linear: y = x[i0] + (x[i1] − x[i0])·w, the position clamped to the input.
        var lower0: [Int64] = [], upper: [Int64] = [], weights: [Float] = []
        for p in positions {
            let c = max(0, min(last, p))
            let i0 = c.rounded(.down)
            lower0.append(Int64(i0))
            upper.append(Int64(min(last, i0 + 1)))
            weights.append(c - i0)
        }
        var weightShape = [Int](repeating: 1, count: x.rank)
        weightShape[axis] = outLength
        let name = node.name
        try lower("Gather", name: name + "/left", inputs: [node.proto.input[0]], constants: [lower0], outputs: [name + "/left:0"], attributes: ["axis": .int(Int64(axis))])
        try lower("Gather", name: name + "/right", inputs: [node.proto.input[0]], constants: [upper], outputs: [name + "/right:0"], attributes: ["axis": .int(Int64(axis))])
        try lower("Sub", name: name + "/difference", inputs: [name + "/right:0", name + "/left:0"], outputs: [name + "/difference:0"])
        try lower("Mul", name: name + "/weighted", inputs: [name + "/difference:0"], tensors: [ConstantTensor(shape: weightShape, floats: weights)],
                  outputs: [name + "/weighted:0"])
        try lower("Add", name: name, inputs: [name + "/left:0", name + "/weighted:0"], outputs: [try outputName(node)])
    }

    /// Where with a condition known at import: folded when X and Y are too; otherwise
    /// X where it holds and Y elsewhere, as X·c + Y·(1 − c) with the constant mask c
    /// (X or Y alone when c is all true or all false). An infinite or NaN element of the
    /// side not taken would still propagate; Vigil's models have none.
    mutating func whereOp(_ node: ONNXNode) throws {
        guard case .constant(let condition) = try input(node, 0) else {
            throw ImportError.unsupportedAttribute(node: node.name, reason: "Where with a condition computed at run time; Vigil selects by conditions known at import")
        }
        let x = try input(node, 1), y = try input(node, 2)
        if case .constant(let cx) = x, case .constant(let cy) = y {
            try setOutput(node, 0, .constant(try fold(node) { () throws(ConstantFolding.Failure) in try ConstantFolding.select(condition, cx, cy) }))
            return
        }
        let mask = condition.ints.map { $0 != 0 ? Float(1) : 0 }
        let name = node.name
        let inverse = ConstantTensor(shape: condition.shape, floats: mask.map { 1 - $0 })
        try lower("Mul", name: name + "/x", inputs: [node.proto.input[1]], tensors: [ConstantTensor(shape: condition.shape, floats: mask)], outputs: [name + "/x:0"])
        try lower("Mul", name: name + "/y", inputs: [node.proto.input[2]], tensors: [inverse], outputs: [name + "/y:0"])
        try lower("Add", name: name, inputs: [name + "/x:0", name + "/y:0"], outputs: [try outputName(node)])
    }
}

extension ConstantFolding {
    /// ONNX Where over constants, with numpy broadcasting.
    static func select(_ c: ConstantTensor, _ x: ConstantTensor, _ y: ConstantTensor) throws(Failure) -> ConstantTensor {
        guard let xy = broadcastShape(x.shape, y.shape), let shape = broadcastShape(c.shape, xy) else {
            throw .shapes("shapes \(c.shape), \(x.shape) and \(y.shape) do not broadcast")
        }
        if ConstantTensor.foldedElementCount(shape) == nil { throw .shapes("the result \(shape) has \(ConstantTensor.foldedLimitReason)") }
        let m = c.broadcast(to: shape).ints, a = x.broadcast(to: shape), b = y.broadcast(to: shape)
        if !a.isFloat && !b.isFloat {
            let (p, q) = (a.ints, b.ints)
            return ConstantTensor(shape: shape, ints: m.indices.map { m[$0] != 0 ? p[$0] : q[$0] })
        }
        let (p, q) = (a.floats, b.floats)
        return ConstantTensor(shape: shape, floats: m.indices.map { m[$0] != 0 ? p[$0] : q[$0] })
    }
}
