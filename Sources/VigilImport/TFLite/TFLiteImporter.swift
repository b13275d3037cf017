import Foundation
import VigilRuntime

/// Imports a `.tflite` model (float32 or full-integer int8, as TensorFlow's converter
/// writes them) into a Vigil graph with the file's own quantization parameters.
///
/// TFLite runs 1-D convolutions and pooling as their 2-D forms on [1, 1, W, C]
/// tensors (EXPAND_DIMS before, RESHAPE after). The importer maps every tensor to
/// Vigil's layout — batch dropped, a unit spatial axis of a 4-D tensor dropped — so
/// that those reshapes become aliases and the 2-D ops become Vigil's 1-D ones; weights
/// are rewritten once into Vigil's layouts ([K, Cin/groups, Cout] for convolutions,
/// [In, Out] for dense layers) with their per-channel axis moved along.
public enum TFLiteImporter {
    /// The TFLite builtin operators Vigil translates.
    public static let supportedOps = [
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE",
        "EXPAND_DIMS", "FULLY_CONNECTED", "LOGISTIC", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM", "MUL", "PAD", "QUANTIZE",
        "REDUCE_MAX", "RELU", "RELU6", "RESHAPE", "SOFTMAX", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "SQUEEZE", "SUB", "TANH",
        "LEAKY_RELU", "HARD_SWISH", "GELU", "ABS", "RSQRT", "NEG", "TRANSPOSE", "SQUARED_DIFFERENCE", "STRIDED_SLICE",
        "BATCH_MATMUL", "SHAPE", "GATHER", "REDUCE_PROD", "PACK", "SPLIT", "SPLIT_V", "UNPACK", "PRELU",
    ]

    public static func importModel(atPath path: String) throws(ImportError) -> ImportedModel {
        let data = try readModelFile(path)
        let name = (path as NSString).lastPathComponent
        return try importModel(contentsOf: [UInt8](data), name: name)
    }

    public static func importModel(contentsOf bytes: [UInt8], name: String) throws(ImportError) -> ImportedModel {
        let model = try TFLiteModel(bytes: bytes, path: name)
        var converter = TFLiteConverter(model: model, path: name)
        return try converter.convert()
    }
}

struct TFLiteConverter {
    let model: TFLiteModel
    let path: String
    var graph = Graph()
    /// Vigil tensor of each TFLite tensor translated so far.
    var vigil: [Int: TensorID] = [:]
    /// TFLite tensors that are another tensor padded along time (PAD), or padded and
    /// split into `block` phases (SPACE_TO_BATCH_ND): never materialized, they become
    /// the explicit padding and dilation of the convolution that reads them.
    var padded: [Int: PaddedTime] = [:]
    /// Operators already translated as part of an earlier one (the reshapes and
    /// BATCH_TO_SPACE_ND after a dilated convolution).
    var absorbed: Set<Int> = []
    /// int32 tensors known at import (SHAPE → GATHER → REDUCE_PROD → PACK chains), with
    /// `batchSymbol` multiples standing for the run-time batch.
    var folded: [Int: [Int]] = [:]
    /// Tensors whose first axis merges the batch with `k` rows (a RESHAPE to
    /// [batch·k, …] before a FULLY_CONNECTED): stored per sample as [k, …].
    var mergedBatch: [Int: Int] = [:]

    struct PaddedTime {
        var source: Int
        var left: Int
        var right: Int
        var block = 1
    }

    init(model: TFLiteModel, path: String) {
        self.model = model
        self.path = path
    }

    typealias T = TFLiteModel.Tensor

    // MARK: - Tensors

    /// The Vigil shape of a TFLite activation: batch dropped, and of a 4-D [1, H, W, C]
    /// tensor the unit spatial axis dropped.
    func vigilShape(_ t: T, node: String) throws(ImportError) -> [Int] {
        var s = t.shape
        if s.isEmpty { throw .dynamicShape(node: node, reason: "tensor '\(t.name)' has no static shape") }
        var total = 1
        for d in s {
            if d < 1 || d > 1 << 24 { throw .malformedFile(path: path, reason: "tensor '\(t.name)' has shape \(t.shape)") }
            total *= d
            if total > 1 << 28 { throw .malformedFile(path: path, reason: "tensor '\(t.name)' of shape \(t.shape) is too large") }
        }
        if s[0] != 1 { throw .unsupportedAttribute(node: node, reason: "tensor '\(t.name)' has batch \(s[0]); Vigil imports batch-1 models (the batch is chosen at run time)") }
        if let d = Self.droppedAxis(s) { s.remove(at: d) }
        s.removeFirst()
        return s
    }

    /// The TFLite axis `vigilShape` drops from a 4-D activation: its unit spatial axis
    /// ([1, 1, W, C] or [1, H, 1, C] around a 1-D convolution), or nil when it has none
    /// (attention's [1, L, heads, d]) or is not 4-D.
    static func droppedAxis(_ shape: [Int]) -> Int? {
        guard shape.count == 4 else { return nil }
        return shape[1] == 1 ? 1 : shape[2] == 1 ? 2 : nil
    }

    /// Which TFLite axis of a 4-D activation holds time (the non-unit spatial axis).
    func timeAxisIsWidth(_ t: T) -> Bool { Self.timeAxisIsWidth(t.shape) }

    static func timeAxisIsWidth(_ shape: [Int]) -> Bool { shape.count != 4 || shape[1] == 1 }

    /// The Vigil axis (batch kept as axis 0) of TFLite axis `axis` (negative counts from
    /// the end) of an activation of `shape`, or nil for the batch and for the unit spatial
    /// axis that `vigilShape` drops.
    static func vigilAxis(_ axis: Int, of shape: [Int]) -> Int? {
        let a = axis < 0 ? axis + shape.count : axis
        var kept = Array(shape.indices.dropFirst())  // batch dropped
        if let d = droppedAxis(shape) { kept.remove(at: d - 1) }
        return kept.firstIndex(of: a).map { $0 + 1 }
    }

    func dtype(_ t: T, node: String) throws(ImportError) -> DType {
        switch t.type {
        case .float32: return .float32
        case .int8: return .int8
        case .int32: return .int32
        default: throw .unsupportedAttribute(node: node, reason: "tensor '\(t.name)' has type \(t.type.name); Vigil runs float32, int8 and int32")
        }
    }

    func perTensorQuantization(_ t: T) -> QuantizationParameters? {
        guard let s = t.scales.first else { return nil }
        return QuantizationParameters(scale: s, zeroPoint: Int32(truncatingIfNeeded: t.zeroPoints.first ?? 0))
    }

    func channelQuantization(_ t: T, axis: Int) -> QuantizationParameters? {
        if t.scales.isEmpty { return nil }
        let zeros = (0..<t.scales.count).map { Int32(truncatingIfNeeded: $0 < t.zeroPoints.count ? t.zeroPoints[$0] : 0) }
        if t.scales.count == 1 { return QuantizationParameters(scale: t.scales[0], zeroPoint: zeros[0]) }
        return QuantizationParameters(scales: t.scales, zeroPoints: zeros, axis: axis)
    }

    /// The Vigil tensor an operator reads as an activation.
    func activation(_ index: Int, node: String) throws(ImportError) -> TensorID {
        guard let id = vigil[index] else {
            if padded[index] != nil {
                throw .unsupportedAttribute(node: node, reason: "reads '\(model.tensors[index].name)', a PAD or SPACE_TO_BATCH_ND output; Vigil folds those into the convolution after them")
            }
            if !model.data(of: index).isEmpty {
                throw .unsupportedAttribute(node: node, reason: "constant '\(model.tensors[index].name)' used as an activation operand")
            }
            throw .malformedFile(path: path, reason: "operator '\(node)' reads tensor '\(model.tensors[index].name)' before any operator writes it")
        }
        return id
    }

    /// A fresh arena tensor for a TFLite operator output.
    /// `shape` overrides the file's static shape (a dynamic-batch RESHAPE's output).
    mutating func output(_ index: Int, node: String, shape: [Int]? = nil) throws(ImportError) -> TensorID {
        let t = model.tensors[index]
        if vigil[index] != nil || folded[index] != nil { throw .malformedFile(path: path, reason: "tensor '\(t.name)' is written twice") }
        let stored: [Int]
        if let shape { stored = shape } else { stored = try vigilShape(t, node: node) }
        let id = graph.addTensor(name: t.name, dtype: try dtype(t, node: node), shape: stored)
        graph.tensors[id].quantization = perTensorQuantization(t)
        vigil[index] = id
        return id
    }

    /// Constant bytes of a tensor, checked against its shape and element size.
    func constantBytes(_ index: Int, elementSize: Int, node: String) throws(ImportError) -> [UInt8] {
        let t = model.tensors[index]
        let data = model.data(of: index)
        var count = 1
        for d in t.shape {
            if d < 0 || d > 1 << 28 { throw .malformedFile(path: path, reason: "constant '\(t.name)' has shape \(t.shape)") }
            count *= d
            if count > 1 << 28 { throw .malformedFile(path: path, reason: "constant '\(t.name)' of shape \(t.shape) is too large") }
        }
        if data.count != count * elementSize {
            throw .malformedFile(path: path, reason: "constant '\(t.name)' of shape \(t.shape) has \(data.count) bytes, expected \(count * elementSize)")
        }
        return [UInt8](data)
    }

    func elementSize(_ t: T, node: String) throws(ImportError) -> Int {
        switch t.type {
        case .float32, .int32: return 4
        case .int8: return 1
        default: throw .unsupportedAttribute(node: node, reason: "constant '\(t.name)' has type \(t.type.name)")
        }
    }

    /// Adds a constant whose elements are `source` permuted: element i of the result is
    /// element `map(i)` of the TFLite data.
    mutating func permutedConstant(_ index: Int, shape: [Int], quantization: QuantizationParameters?, node: String, map: (Int) -> Int) throws(ImportError) -> TensorID {
        let t = model.tensors[index]
        let size = try elementSize(t, node: node)
        let source = try constantBytes(index, elementSize: size, node: node)
        if t.type == .float32 {
            for i in 0..<(source.count / 4) {
                let bits = UInt32(source[4 * i]) | UInt32(source[4 * i + 1]) << 8 | UInt32(source[4 * i + 2]) << 16 | UInt32(source[4 * i + 3]) << 24
                if !Float(bitPattern: bits).isFinite { throw .nonFiniteWeights(tensor: t.name) }
            }
        }
        var count = 1
        for d in shape { count *= d }
        if count * size != source.count { throw .shapeMismatch(node: node, reason: "constant '\(t.name)' \(t.shape) does not fit \(shape)") }
        var out = [UInt8](repeating: 0, count: source.count)
        for i in 0..<count {
            let j = map(i)
            for b in 0..<size { out[i * size + b] = source[j * size + b] }
        }
        let dtype = try self.dtype(t, node: node)
        return out.withUnsafeBytes { graph.addConstant(name: t.name, dtype: dtype, shape: shape, bytes: $0, quantization: quantization) }
    }

    /// An operand of an elementwise operator: the activation it is, or a constant in
    /// Vigil's layout. A constant broadcasts against the trailing axes of the other
    /// operand, so its leading unit axes (batch included) are dropped down to the other
    /// operand's Vigil rank; a 4-D constant beside a 4-D activation loses the unit
    /// spatial axis that `vigilShape` drops.
    mutating func elementwiseOperand(_ index: Int, other: Int, node: String) throws(ImportError) -> TensorID {
        if vigil[index] != nil || model.data(of: index).isEmpty { return try activation(index, node: node) }
        let t = model.tensors[index], otherShape = model.tensors[other].shape
        var shape = t.shape
        let dropped = Self.droppedAxis(otherShape)
        if shape.count == 4 && otherShape.count == 4 {
            if shape[0] != 1 { throw .unsupportedAttribute(node: node, reason: "constant '\(t.name)' \(t.shape) varies along the batch") }
            if let unit = dropped {
                if shape[unit] != 1 { throw .unsupportedAttribute(node: node, reason: "constant '\(t.name)' \(t.shape) varies along a 2-D axis") }
                shape = [shape[3 - unit], shape[3]]
            } else {
                shape.removeFirst()
            }
        }
        let rank = max(otherShape.count - 1, 0) - (dropped != nil ? 1 : 0)
        while shape.count > rank, shape.first == 1 { shape.removeFirst() }
        if shape.count > rank { throw .unsupportedAttribute(node: node, reason: "constant '\(t.name)' \(t.shape) varies along the batch") }
        return try permutedConstant(index, shape: shape, quantization: perTensorQuantization(t), node: node) { i in i }
    }

    func fusedActivation(_ code: UInt8, node: String) throws(ImportError) -> Activation {
        switch code {
        case 0: return .linear
        case 1: return .relu
        case 2: return .clip(min: -1, max: 1)
        case 3: return .relu6
        default: throw .unsupportedAttribute(node: node, reason: "fused activation function \(code)")
        }
    }

    func padding(_ code: UInt8, node: String) throws(ImportError) -> Padding {
        switch code {
        case 0: return .same
        case 1: return .valid
        default: throw .unsupportedAttribute(node: node, reason: "padding \(code)")
        }
    }

    func options(_ op: TFLiteModel.Operator, node: String) throws(ImportError) -> FlatBufferReader.Table {
        guard let o = op.options else { throw .malformedFile(path: path, reason: "operator '\(node)' has no builtin options") }
        return o
    }

    // MARK: - Conversion

    mutating func convert() throws(ImportError) -> ImportedModel {
        var inputLayouts: [TensorLayout] = []
        for index in model.inputs {
            let t = model.tensors[index]
            let id = graph.addTensor(name: t.name, dtype: try dtype(t, node: "graph inputs"), shape: try vigilShape(t, node: "graph inputs"))
            graph.tensors[id].quantization = perTensorQuantization(t)
            graph.inputs.append(id)
            vigil[index] = id
            inputLayouts.append(layout(t))
        }
        for (i, op) in model.operators.enumerated() where !absorbed.contains(i) {
            try translate(op, at: i)
        }
        var outputLayouts: [TensorLayout] = []
        for index in model.outputs {
            graph.outputs.append(try activation(index, node: "graph outputs"))
            outputLayouts.append(layout(model.tensors[index]))
        }
        let validated: Graph
        do { validated = try graph.validated() } catch { throw .invalidGraph(error) }
        return ImportedModel(graph: validated, inputLayouts: inputLayouts, outputLayouts: outputLayouts,
                             source: "tflite schema \(model.version), \(model.operators.count) operators")
    }

    func layout(_ t: T) -> TensorLayout {
        if let d = Self.droppedAxis(t.shape) { return TensorLayout(storedAxes: [0, 1, 2, 3].filter { $0 != d }, frameworkRank: 4) }
        return .native(rank: t.shape.count)
    }

    /// The operators reading tensor `index`.
    func consumers(of index: Int) -> [Int] {
        model.operators.indices.filter { model.operators[$0].inputs.contains(index) }
    }

    /// Whether an operator only relabels its input (the unit axes TFLite adds around a
    /// 2-D convolution).
    static func isRelabel(_ code: Int32) -> Bool {
        code == BuiltinOperator.reshape.rawValue || code == BuiltinOperator.expandDims.rawValue || code == BuiltinOperator.squeeze.rawValue
    }

    /// The TFLite axis holding time in an activation of `shape` (3-D [1, L, C] or 4-D
    /// [1, 1, L, C] / [1, L, 1, C]).
    static func timeAxis(_ shape: [Int]) -> Int? {
        switch shape.count {
        case 3: return 1
        case 4: return timeAxisIsWidth(shape) ? 2 : 1
        default: return nil
        }
    }

    /// The int32 constant `index` as integers.
    func int32Constant(_ index: Int, node: String) throws(ImportError) -> [Int] {
        if model.tensors[index].type != .int32 { throw .unsupportedAttribute(node: node, reason: "'\(model.tensors[index].name)' is \(model.tensors[index].type.name), not an int32 constant") }
        let raw = try constantBytes(index, elementSize: 4, node: node)
        if raw.isEmpty && !model.tensors[index].shape.contains(0) { throw .unsupportedAttribute(node: node, reason: "'\(model.tensors[index].name)' is computed at run time, not a constant") }
        return (0..<(raw.count / 4)).map { i in
            Int(Int32(bitPattern: UInt32(raw[4 * i]) | UInt32(raw[4 * i + 1]) << 8 | UInt32(raw[4 * i + 2]) << 16 | UInt32(raw[4 * i + 3]) << 24))
        }
    }

    /// PAD of an activation along time only, by zeros (the zero point of an int8
    /// tensor): recorded for the convolution that reads it.
    mutating func padTime(_ x: Int, pads padsIndex: Int, output out: Int, name: String) throws(ImportError) {
        let xT = model.tensors[x]
        let pads = try int32Constant(padsIndex, node: name)
        guard let time = Self.timeAxis(xT.shape), pads.count == 2 * xT.shape.count else {
            throw .unsupportedAttribute(node: name, reason: "PAD of \(xT.shape) by \(pads); Vigil pads 1-D signals along time")
        }
        for axis in xT.shape.indices where axis != time && (pads[2 * axis] != 0 || pads[2 * axis + 1] != 0) {
            throw .unsupportedAttribute(node: name, reason: "PAD along axis \(axis) of \(xT.shape); Vigil pads along time only")
        }
        let (left, right) = (pads[2 * time], pads[2 * time + 1])
        if left < 0 || right < 0 || left > 1 << 16 || right > 1 << 16 { throw .unsupportedAttribute(node: name, reason: "PAD amounts \(left), \(right)") }
        if perTensorQuantization(model.tensors[out]) != perTensorQuantization(xT) {
            throw .unsupportedAttribute(node: name, reason: "PAD changes the quantization of '\(xT.name)'")
        }
        var p = padded[x] ?? PaddedTime(source: x, left: 0, right: 0)
        if p.block != 1 { throw .unsupportedAttribute(node: name, reason: "PAD after SPACE_TO_BATCH_ND") }
        p.left += left; p.right += right
        padded[out] = p
    }

    /// SPACE_TO_BATCH_ND along time: TensorFlow's converter writes a dilated convolution
    /// as SPACE_TO_BATCH_ND → CONV_2D (valid) → BATCH_TO_SPACE_ND.
    mutating func spaceToBatch(_ x: Int, block blockIndex: Int, pads padsIndex: Int, output: Int, name: String) throws(ImportError) {
        let xT = model.tensors[x]
        let block = try int32Constant(blockIndex, node: name), pads = try int32Constant(padsIndex, node: name)
        // [1, L, C] with block [d], or [1, 1, L, C] / [1, L, 1, C] with a unit block on the unit axis.
        let time: Int
        switch (xT.shape.count, block.count) {
        case (3, 1): time = 0
        case (4, 2) where Self.timeAxis(xT.shape) == 2 && block[0] == 1: time = 1
        case (4, 2) where Self.timeAxis(xT.shape) == 1 && block[1] == 1: time = 0
        default: throw .unsupportedAttribute(node: name, reason: "SPACE_TO_BATCH_ND of \(xT.shape) with block \(block); Vigil reads 1-D dilations")
        }
        if pads.count != 2 * block.count || pads.enumerated().contains(where: { $0.offset / 2 != time && $0.element != 0 }) {
            throw .unsupportedAttribute(node: name, reason: "SPACE_TO_BATCH_ND paddings \(pads)")
        }
        var p = padded[x] ?? PaddedTime(source: x, left: 0, right: 0)
        if p.block != 1 { throw .unsupportedAttribute(node: name, reason: "SPACE_TO_BATCH_ND twice") }
        p.left += pads[2 * time]; p.right += pads[2 * time + 1]; p.block = block[time]
        if p.block < 1 || p.block > 1 << 16 || p.left < 0 || p.right < 0 { throw .unsupportedAttribute(node: name, reason: "SPACE_TO_BATCH_ND block \(block), paddings \(pads)") }
        padded[output] = p
    }

    /// For a convolution that reads split phases: the BATCH_TO_SPACE_ND that joins its
    /// output (through relabels), its crops along time, and the operators on the way.
    func batchToSpace(after out: Int, block: Int, name: String) throws(ImportError) -> (output: Int, left: Int, right: Int, operators: [Int]) {
        var tensor = out
        var path: [Int] = []
        while true {
            let readers = consumers(of: tensor)
            guard readers.count == 1, !model.outputs.contains(tensor), !path.contains(readers[0]) else { break }
            let op = model.operators[readers[0]]
            path.append(readers[0])
            if Self.isRelabel(op.code), let next = op.outputs.first, next >= 0 { tensor = next; continue }
            guard op.code == BuiltinOperator.batchToSpaceND.rawValue, op.inputs.count == 3, op.inputs.allSatisfy({ $0 >= 0 }), let joined = op.outputs.first, joined >= 0 else { break }
            let blocks = try int32Constant(op.inputs[1], node: name), crops = try int32Constant(op.inputs[2], node: name)
            let time = blocks.count == 2 ? (blocks[0] == 1 ? 1 : 0) : 0
            guard (1...2).contains(blocks.count), crops.count == 2 * blocks.count, blocks[time] == block, blocks.enumerated().allSatisfy({ $0.offset == time || $0.element == 1 }),
                  crops.enumerated().allSatisfy({ $0.offset / 2 == time || $0.element == 0 }) else { break }
            return (joined, crops[2 * time], crops[2 * time + 1], path)
        }
        throw .unsupportedAttribute(node: name, reason: "a convolution over SPACE_TO_BATCH_ND phases must be followed by BATCH_TO_SPACE_ND with block \(block)")
    }

    mutating func translate(_ op: TFLiteModel.Operator, at index: Int) throws(ImportError) {
        let opName = TFLiteModel.opName(op.code)
        guard let firstOut = op.outputs.first, firstOut >= 0 else {
            throw .malformedFile(path: path, reason: "operator \(opName) has no output")
        }
        let name = model.tensors[firstOut].name
        func input(_ i: Int) throws(ImportError) -> Int {
            guard i < op.inputs.count, op.inputs[i] >= 0 else {
                throw ImportError.malformedFile(path: path, reason: "operator '\(name)' (\(opName)) lacks input \(i)")
            }
            return op.inputs[i]
        }
        func optionalInput(_ i: Int) -> Int? { i < op.inputs.count && op.inputs[i] >= 0 ? op.inputs[i] : nil }
        func add(_ o: Op, _ inputs: [TensorID]) throws(ImportError) {
            let out = try output(firstOut, node: name)
            graph.nodes.append(Node(name: name, op: o, inputs: inputs, outputs: [out]))
        }

        /// A broadcasting elementwise op of two operands (constants mapped to Vigil's layout).
        func elementwise(_ o: Op) throws(ImportError) {
            let a = try elementwiseOperand(try input(0), other: try input(1), node: name)
            let b = try elementwiseOperand(try input(1), other: try input(0), node: name)
            try add(o, [a, b])
        }

        func unsupported() -> ImportError {
            .unsupportedOp(node: name, type: op.customCode.map { "custom '\($0)'" } ?? TFLiteModel.opName(op.code), supported: TFLiteImporter.supportedOps)
        }
        guard let builtin = BuiltinOperator(rawValue: op.code) else { throw unsupported() }
        for i in op.inputs where i >= 0 && !Self.readsMergedBatch.contains(builtin) {
            if let rows = mergedBatch[i] {
                throw .unsupportedAttribute(node: name, reason: "\(builtin.name) of '\(model.tensors[i].name)', whose first axis merges the batch with \(rows) rows; Vigil follows such data only through RESHAPE, FULLY_CONNECTED and SHAPE")
            }
        }

        switch builtin {
        case .conv2D, .depthwiseConv2D:
            let o = try options(op, node: name)
            let xT = model.tensors[try input(0)], fT = model.tensors[try input(1)]
            let pending = padded[try input(0)]
            let inputIndex = try input(0)
            let x = try activation(pending?.source ?? inputIndex, node: name)
            if xT.shape.count != 4 || fT.shape.count != 4 { throw .shapeMismatch(node: name, reason: "convolution input \(xT.shape) and filter \(fT.shape) must be 4-D") }
            let alongWidth = timeAxisIsWidth(xT)
            let depthwise = builtin == .depthwiseConv2D
            let (pad, strideW, strideH) = (try o.u8(0), Int(try o.i32(1)), Int(try o.i32(2)))
            let act = try fusedActivation(try o.u8(depthwise ? 4 : 3), node: name)
            var dilW = Int(try o.i32(depthwise ? 5 : 4, default: 1)), dilH = Int(try o.i32(depthwise ? 6 : 5, default: 1))
            // A padded (and phase-split) input: the padding becomes the convolution's,
            // the phases its dilation, and the BATCH_TO_SPACE_ND crops trim the padding.
            var explicitPadding: Padding? = nil
            var outputIndex = firstOut
            if let p = pending {
                if try o.u8(0) != 1 || (alongWidth ? dilW : dilH) != 1 || (alongWidth ? strideW : strideH) != 1 && p.block != 1 {
                    throw .unsupportedAttribute(node: name, reason: "a convolution after PAD or SPACE_TO_BATCH_ND must be VALID, undilated and (when dilated) of stride 1")
                }
                var (left, right) = (p.left, p.right)
                if p.block > 1 {
                    let joined = try batchToSpace(after: firstOut, block: p.block, name: name)
                    left -= joined.left; right -= joined.right
                    if left < 0 || right < 0 { throw .unsupportedAttribute(node: name, reason: "BATCH_TO_SPACE_ND crops more than SPACE_TO_BATCH_ND padded") }
                    outputIndex = joined.output
                    absorbed.formUnion(joined.operators)
                    if alongWidth { dilW = p.block } else { dilH = p.block }
                }
                explicitPadding = .explicit(left: left, right: right)
            }
            let (kh, kw) = (fT.shape[1], fT.shape[2])
            let k = alongWidth ? kw : kh
            if (alongWidth ? kh : kw) != 1 { throw .unsupportedAttribute(node: name, reason: "2-D kernel \(kh)×\(kw)") }
            let cin = xT.shape[3]
            let cout = depthwise ? fT.shape[3] : fT.shape[0]
            let cinF = depthwise ? 1 : fT.shape[3]
            if cinF < 1 || cin % cinF != 0 { throw .shapeMismatch(node: name, reason: "filter input depth \(cinF) does not divide \(cin)") }
            let groups = depthwise ? cin : cin / cinF
            let wQ = channelQuantization(fT, axis: 2)
            let w: TensorID
            if depthwise {
                // [1, KH, KW, Cout] → [K, 1, Cout]
                w = try permutedConstant(try input(1), shape: [k, 1, cout], quantization: wQ, node: name) { i in i }
            } else {
                // [Cout, KH, KW, CinF] → [K, CinF, Cout]
                w = try permutedConstant(try input(1), shape: [k, cinF, cout], quantization: wQ, node: name) { i in
                    let o = i % cout, c = (i / cout) % cinF, kk = i / (cout * cinF)
                    return (o * k + kk) * cinF + c
                }
            }
            var inputs = [x, w]
            if let b = optionalInput(2) {
                inputs.append(try permutedConstant(b, shape: [cout], quantization: channelQuantization(model.tensors[b], axis: 0), node: name) { i in i })
            }
            let declaredPadding = try padding(pad, node: name)
            let attributes = Conv1DAttributes(kernelSize: k, stride: alongWidth ? strideW : strideH, dilation: alongWidth ? dilW : dilH,
                                              padding: explicitPadding ?? declaredPadding, groups: groups, activation: act)
            let out = try output(outputIndex, node: name)
            graph.nodes.append(Node(name: name, op: .conv1D(attributes), inputs: inputs, outputs: [out]))

        case .fullyConnected:
            let o = try options(op, node: name)
            if try o.u8(1) != 0 { throw .unsupportedAttribute(node: name, reason: "shuffled weights format") }
            let act = try fusedActivation(try o.u8(0), node: name)
            let fT = model.tensors[try input(1)]
            if fT.shape.count != 2 { throw .shapeMismatch(node: name, reason: "weights \(fT.shape) must be [out, in]") }
            let (outF, inF) = (fT.shape[0], fT.shape[1])
            let x = try activation(try input(0), node: name)
            // [Out, In] → [In, Out]
            let w = try permutedConstant(try input(1), shape: [inF, outF], quantization: channelQuantization(fT, axis: 1), node: name) { i in
                (i % outF) * inF + i / outF
            }
            var inputs = [x, w]
            if let b = optionalInput(2) {
                inputs.append(try permutedConstant(b, shape: [outF], quantization: channelQuantization(model.tensors[b], axis: 0), node: name) { i in i })
            }
            if let rows = mergedBatch[try input(0)] {
                // [batch·rows, In] → [batch·rows, Out]: the file's static shape of such an
                // output is a placeholder, so the shape is Vigil's.
                let out = try output(firstOut, node: name, shape: [rows, outF])
                mergedBatch[firstOut] = rows
                graph.nodes.append(Node(name: name, op: .dense(activation: act), inputs: inputs, outputs: [out]))
            } else {
                try add(.dense(activation: act), inputs)
            }

        case .add, .sub, .mul:
            let act = try fusedActivation(try options(op, node: name).u8(0), node: name)
            try elementwise(builtin == .add ? .add(activation: act) : builtin == .sub ? .sub(activation: act) : .mul(activation: act))

        case .maximum, .minimum, .squaredDifference, .prelu:
            try elementwise(builtin == .maximum ? .maximum(activation: .linear) : builtin == .minimum ? .minimum(activation: .linear)
                : builtin == .prelu ? .prelu(activation: .linear) : .squaredDifference(activation: .linear))

        case .concatenation:
            if try foldedConcatenation(op, name: name) { return }
            let o = try options(op, node: name)
            if try o.u8(1) != 0 { throw .unsupportedAttribute(node: name, reason: "fused activation on a concatenation") }
            let xT = model.tensors[try input(0)]
            let axis = Int(try o.i32(0))
            guard let position = Self.vigilAxis(axis, of: xT.shape) else {
                throw .unsupportedAttribute(node: name, reason: "concatenation along axis \(axis) of \(xT.shape)")
            }
            var inputs: [TensorID] = []
            for i in op.inputs.indices { inputs.append(try activation(try input(i), node: name)) }
            try add(.concatenate(axis: position), inputs)

        case .averagePool2D, .maxPool2D:
            let o = try options(op, node: name)
            if try o.u8(5) != 0 { throw .unsupportedAttribute(node: name, reason: "fused activation on pooling") }
            let xT = model.tensors[try input(0)]
            let alongWidth = timeAxisIsWidth(xT)
            let size = Int(alongWidth ? try o.i32(3) : try o.i32(4))
            if Int(alongWidth ? try o.i32(4) : try o.i32(3)) != 1 { throw .unsupportedAttribute(node: name, reason: "2-D pooling window") }
            let stride = Int(alongWidth ? try o.i32(1) : try o.i32(2))
            let p = Pool1DAttributes(poolSize: size, stride: stride, padding: try padding(try o.u8(0), node: name))
            try add(builtin == .maxPool2D ? .maxPool1D(p) : .averagePool1D(p), [try activation(try input(0), node: name)])

        case .mean, .reduceMax:  // over time, or over the channels of [1, L, C]
            let xT = model.tensors[try input(0)]
            let axes = Set(try int32Constant(try input(1), node: name).map { $0 < 0 ? $0 + xT.shape.count : $0 })
            var x = try activation(try input(0), node: name)
            if xT.shape.count == 3 && axes == [2] {
                // The channels: transposed to [C, L] (bytes moved, parameters kept), then pooled.
                let transposed = graph.addTensor(name: name + "/channels_first", dtype: try dtype(xT, node: name), shape: [xT.shape[2], xT.shape[1]])
                graph.tensors[transposed].quantization = perTensorQuantization(xT)
                graph.nodes.append(Node(name: name + "/transpose", op: .transpose(permutation: [1, 0]), inputs: [x], outputs: [transposed]))
                x = transposed
            } else {
                let time: Set<Int> = xT.shape.count == 4 ? (timeAxisIsWidth(xT) ? [2] : [1]) : [1]
                let unit: Set<Int> = xT.shape.count == 4 ? (timeAxisIsWidth(xT) ? [1] : [2]) : []
                if xT.shape.count < 3 || !axes.isSuperset(of: time) || !axes.subtracting(time).isSubset(of: unit) {
                    throw .unsupportedAttribute(node: name, reason: "\(builtin.name) over axes \(axes.sorted()) of \(xT.shape); Vigil reduces over time, or over the channels of [1, L, C]")
                }
            }
            let outT = model.tensors[firstOut]
            let pooled: Op = builtin == .mean ? .globalAveragePool1D : .globalMaxPool1D
            let outShape = try vigilShape(outT, node: name)
            if outShape.count == 1 {
                try add(pooled, [x])
            } else {
                // keep_dims: pool, then reshape to the kept unit axes.
                let mid = graph.addTensor(name: name + "/pooled", dtype: try dtype(outT, node: name), shape: [graph.tensors[x].shape.last ?? 1])
                graph.tensors[mid].quantization = perTensorQuantization(outT)
                graph.nodes.append(Node(name: name + "/pool", op: pooled, inputs: [x], outputs: [mid]))
                try add(.reshape(shape: outShape), [mid])
            }

        case .softmax:
            let beta = try options(op, node: name).f32(0, default: 1)
            if beta != 1 { throw .unsupportedAttribute(node: name, reason: "softmax beta \(beta); Vigil's softmax has beta 1") }
            try add(.softmax(axis: -1), [try activation(try input(0), node: name)])

        case .logistic, .tanh, .relu, .relu6:
            let a: Activation = builtin == .logistic ? .sigmoid : builtin == .tanh ? .tanh : builtin == .relu ? .relu : .relu6
            try add(.activation(a), [try activation(try input(0), node: name)])

        case .leakyRelu:
            // LeakyReluOptions.alpha (slot 0); int8 through TFLite's two multipliers.
            let alpha = try op.options?.f32(0, default: 0) ?? 0
            try add(.activation(.leakyRelu(alpha: alpha)), [try activation(try input(0), node: name)])

        case .hardSwish:
            try add(.activation(.hardSwish), [try activation(try input(0), node: name)])

        case .transpose:
            // [1, …] with the batch kept first: a permutation of the per-sample axes.
            let xT = model.tensors[try input(0)]
            let perm = try int32Constant(try input(1), node: name)
            guard (2...4).contains(xT.shape.count), perm.count == xT.shape.count, perm.first == 0, Set(perm) == Set(0..<perm.count),
                  Self.droppedAxis(xT.shape) == nil, Self.droppedAxis(model.tensors[firstOut].shape) == nil, mergedBatch[try input(0)] == nil else {
                throw .unsupportedAttribute(node: name, reason: "TRANSPOSE of \(xT.shape) by \(perm); Vigil transposes [1, L, C] or [1, L, H, d] keeping the batch first")
            }
            try add(.transpose(permutation: perm.dropFirst().map { $0 - 1 }), [try activation(try input(0), node: name)])

        case .stridedSlice:
            // [1, L, C] (or [1, F]) with the batch kept whole: begin/end/strides constants,
            // begin_mask and end_mask (options slots 0, 1); shrink_axis_mask drops axes.
            let xT = model.tensors[try input(0)]
            let begin = try int32Constant(try input(1), node: name), end = try int32Constant(try input(2), node: name)
            let strides = try int32Constant(try input(3), node: name)
            let o = try options(op, node: name)
            let (beginMask, endMask) = (Int(try o.i32(0)), Int(try o.i32(1)))
            let (ellipsisMask, newAxisMask, shrinkMask) = (try o.i32(2), try o.i32(3), Int(try o.i32(4)))
            let rank = xT.shape.count
            guard (2...3).contains(rank), begin.count == rank, end.count == rank, strides.count == rank, ellipsisMask == 0, newAxisMask == 0,
                  shrinkMask & 1 == 0 else {
                throw .unsupportedAttribute(node: name, reason: "STRIDED_SLICE of \(xT.shape) (begin \(begin), end \(end), strides \(strides)); Vigil slices [1, L, C] without ellipsis or new axes, the batch kept")
            }
            var starts: [Int] = [], steps: [Int] = [], sizes: [Int] = []
            for axis in 0..<rank {
                let n = xT.shape[axis], step = strides[axis]
                if step == 0 || step < -n || step > n { throw .unsupportedAttribute(node: name, reason: "STRIDED_SLICE stride \(step)") }
                // TensorFlow's rules: masked ends take the whole extent in the stride's
                // direction; negative indices count from the end; then clamped.
                func resolve(_ i: Int, masked: Bool, isBegin: Bool) -> Int {
                    if masked { return (step > 0) == isBegin ? (step > 0 ? 0 : n - 1) : (step > 0 ? n : -1) }
                    let v = i < 0 ? i + n : i
                    return step > 0 ? min(max(v, 0), n) : min(max(v, -1), n - 1)
                }
                var b = resolve(begin[axis], masked: beginMask >> axis & 1 == 1, isBegin: true)
                var e = resolve(end[axis], masked: endMask >> axis & 1 == 1, isBegin: false)
                if shrinkMask >> axis & 1 == 1 { e = b + (step > 0 ? 1 : -1); if b < 0 || b >= n { b = 0; e = 0 } }
                let count = step > 0 ? max(0, (e - b + step - 1) / step) : max(0, (b - e - step - 1) / -step)
                if axis == 0 {
                    if count != 1 || n != 1 { throw .unsupportedAttribute(node: name, reason: "STRIDED_SLICE of the batch axis") }
                    continue
                }
                if count < 1 { throw .shapeMismatch(node: name, reason: "STRIDED_SLICE leaves axis \(axis) of \(xT.shape) empty") }
                starts.append(b); steps.append(step); sizes.append(count)
            }
            let x = try activation(try input(0), node: name)
            let sliced = graph.addTensor(name: name + "/slice", dtype: try dtype(xT, node: name), shape: sizes)
            graph.tensors[sliced].quantization = perTensorQuantization(xT)
            graph.nodes.append(Node(name: name + "/slice", op: .slice(starts: starts, steps: steps, sizes: sizes), inputs: [x], outputs: [sliced]))
            try add(.reshape(shape: try vigilShape(model.tensors[firstOut], node: name)), [sliced])

        case .abs, .rsqrt:
            // int8 through tables of TFLite's integer kernels.
            try add(.activation(builtin == .abs ? .absolute : .reciprocalSquareRoot), [try activation(try input(0), node: name)])

        case .neg:
            // TensorFlow's converter leaves NEG float, between DEQUANTIZE and QUANTIZE.
            if model.tensors[try input(0)].type != .float32 {
                throw .unsupportedAttribute(node: name, reason: "NEG of \(model.tensors[try input(0)].type.name) data; Vigil reads float NEG")
            }
            try add(.activation(.negate), [try activation(try input(0), node: name)])

        case .gelu:
            // GeluOptions.approximate (slot 0); int8 through a table of the float function.
            let approximate = try op.options?.bool(0) ?? false
            try add(.activation(.gelu(approximate: approximate)), [try activation(try input(0), node: name)])

        case .quantize:
            try add(.quantize, [try activation(try input(0), node: name)])

        case .dequantize:
            try add(.dequantize, [try activation(try input(0), node: name)])

        case .reshape, .expandDims, .squeeze:
            if let p = padded[try input(0)] {
                // Relabels between PAD / SPACE_TO_BATCH_ND and the convolution.
                if p.block == 1 && Self.timeAxis(model.tensors[firstOut].shape) == nil {
                    throw .unsupportedAttribute(node: name, reason: "a padded signal reshaped to \(model.tensors[firstOut].shape)")
                }
                padded[firstOut] = p
                return
            }
            let x = try activation(try input(0), node: name)
            let outT = model.tensors[firstOut]
            let (shape, merged) = try reshapeTarget(op, code: builtin, input: try input(0), output: firstOut, name: name)
            if let merged { mergedBatch[firstOut] = merged }
            if shape == graph.tensors[x].shape && perTensorQuantization(outT) == graph.tensors[x].quantization {
                if vigil[firstOut] != nil { throw .malformedFile(path: path, reason: "tensor '\(outT.name)' is written twice") }
                vigil[firstOut] = x  // the same bytes in Vigil's layout
            } else {
                let out = try output(firstOut, node: name, shape: shape)
                graph.nodes.append(Node(name: name, op: .reshape(shape: shape), inputs: [x], outputs: [out]))
            }

        case .pad:
            try padTime(try input(0), pads: try input(1), output: firstOut, name: name)

        case .spaceToBatchND:
            try spaceToBatch(try input(0), block: try input(1), pads: try input(2), output: firstOut, name: name)

        case .batchMatMul:
            try batchMatMul(op, name: name)

        case .shape, .gather, .reduceProd, .pack:
            try foldShapeOp(builtin, op, name: name)

        case .split, .splitV, .unpack:
            try splitOp(builtin, op, name: name)

        case .div, .exp, .sum,
             .batchToSpaceND:
            throw unsupported()
        }
    }
}
