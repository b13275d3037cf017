import Testing
import VigilRuntime

/// Plain integer tensors (integer dtypes without quantization parameters): ONNX
/// arithmetic, Clamp and MaxPool, type checks, constant outputs, training-mode batch
/// normalization, MatMul by matrix slices and the package round trip. Every expected
/// value is derived by hand in the comment beside it.
struct IntegerOpsTests {
    /// x (op) y for two run-time inputs of `dtype` holding `a` and `b`.
    static func binaryGraph(_ op: Op, _ dtype: DType, count: Int) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: dtype, shape: [count])
        let y = g.addTensor(name: "y", dtype: dtype, shape: [count])
        let out = g.addTensor(name: "out")
        g.inputs = [x, y]
        g.nodes = [Node(name: "op", op: op, inputs: [x, y], outputs: [out])]
        g.outputs = [out]
        return g
    }

    static func run<T: FixedWidthInteger>(_ g: Graph, _ inputs: [[T]], batch: Int = 1) throws -> [T] {
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: batch)
        for (i, values) in inputs.enumerated() {
            let bytes = interpreter.inputBytes(i)
            #expect(bytes.count == values.count * MemoryLayout<T>.size)
            for (j, v) in values.enumerated() { bytes.storeBytes(of: v, toByteOffset: j * MemoryLayout<T>.size, as: T.self) }
        }
        interpreter.invoke()
        let out = interpreter.outputBytes(0)
        return (0..<(out.count / MemoryLayout<T>.size)).map { out.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }

    static func rejection(_ g: Graph) -> GraphError? {
        do { _ = try g.validated(); return nil } catch { return error }
    }

    @Test func arithmeticWrapsAround() throws {
        // int8: 100 + 100 = 200 ≡ 200 − 256 = −56; −128 + −1 = −129 ≡ 127.
        #expect(try Self.run(Self.binaryGraph(.add(activation: .linear), .int8, count: 2), [[Int8(100), -128], [100, -1]]) == [-56, 127])
        // uint8: 3 − 5 = −2 ≡ 254.
        #expect(try Self.run(Self.binaryGraph(.sub(activation: .linear), .uint8, count: 1), [[UInt8(3)], [5]]) == [254])
        // int16: 300 · 300 = 90000 ≡ 90000 − 65536 = 24464.
        #expect(try Self.run(Self.binaryGraph(.mul(activation: .linear), .int16, count: 1), [[Int16(300)], [300]]) == [24464])
        // uint64: 2^64 − 1 + 2 ≡ 1, an addition past the top of the range.
        #expect(try Self.run(Self.binaryGraph(.add(activation: .linear), .uint64, count: 1), [[UInt64.max], [2]]) == [1])
        // int64 needs every bit: 2^62 · 2 = 2^63 ≡ −2^63.
        #expect(try Self.run(Self.binaryGraph(.mul(activation: .linear), .int64, count: 1), [[Int64(1) << 62], [2]]) == [Int64.min])
    }

    @Test func divisionTruncatesTowardZero() throws {
        let g = Self.binaryGraph(.div(activation: .linear), .int32, count: 6)
        // −7/2 = −3.5 → −3 (not NumPy's floor −4); 7/−2 → −3; −7/−2 = 3.5 → 3; 6/3 = 2;
        // Int32.min / −1 = 2^31 does not fit and wraps to Int32.min; 5/0 is defined as 0.
        #expect(try Self.run(g, [[Int32(-7), 7, -7, 6, Int32.min, 5], [2, -2, -2, 3, -1, 0]]) == [-3, -3, 3, 2, Int32.min, 0])
        // Unsigned: 255/2 = 127.5 → 127; 9/0 = 0.
        #expect(try Self.run(Self.binaryGraph(.div(activation: .linear), .uint8, count: 2), [[UInt8(255), 9], [2, 0]]) == [127, 0])
    }

    @Test func integerConstantBroadcasts() throws {
        // x [2, 3] − c [3] with int64 values beyond float32's 24-bit mantissa.
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int64, shape: [2, 3])
        let big: Int64 = (1 << 40) + 1
        let c = [Int64(1), big, -big].withUnsafeBytes { g.addConstant(name: "c", dtype: .int64, shape: [3], bytes: $0) }
        let out = g.addTensor(name: "out")
        g.inputs = [x]
        g.nodes = [Node(name: "sub", op: .sub(activation: .linear), inputs: [x, c], outputs: [out])]
        g.outputs = [out]
        let v = try g.validated()
        #expect(v.tensors[out].dtype == .int64 && v.tensors[out].shape == [2, 3])
        // Row 0: [10 − 1, 0 − (2^40 + 1), 0 + 2^40 + 1]; row 1: [1 − 1, big − big, −big + big].
        #expect(try Self.run(g, [[Int64(10), 0, 0, 1, big, -big]]) == [9, -big, big, 0, 0, 0])
    }

    static func clampGraph(_ dtype: DType, lo: [UInt8], hi: [UInt8], count: Int) -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: dtype, shape: [count])
        let l = lo.withUnsafeBytes { g.addConstant(name: "min", dtype: dtype, shape: [1], bytes: $0) }
        let h = hi.withUnsafeBytes { g.addConstant(name: "max", dtype: dtype, shape: [1], bytes: $0) }
        let out = g.addTensor(name: "out")
        g.inputs = [x]
        g.nodes = [Node(name: "clamp", op: .clamp, inputs: [x, l, h], outputs: [out])]
        g.outputs = [out]
        return g
    }

    @Test func clampKeepsTheRangeAndMaxWins() throws {
        // int8 bounds −2 (0xFE) and 5: [−100, −2, 0, 5, 100] → [−2, −2, 0, 5, 5].
        let g = Self.clampGraph(.int8, lo: [0xFE], hi: [5], count: 5)
        #expect(try Self.run(g, [[Int8(-100), -2, 0, 5, 100]]) == [-2, -2, 0, 5, 5])
        // min 7 > max 3: every element becomes 3, as ONNX Clip (NumPy's clip) gives.
        let inverted = Self.clampGraph(.uint8, lo: [7], hi: [3], count: 3)
        #expect(try Self.run(inverted, [[UInt8(0), 5, 200]]) == [3, 3, 3])
    }

    @Test func clampBoundsMustMatchTheData() {
        var g = Self.clampGraph(.int8, lo: [0], hi: [5], count: 2)
        g.tensors[1].dtype = .uint8
        guard case .typeMismatch(let node, let reason)? = Self.rejection(g) else { Issue.record("accepted or wrong error"); return }
        #expect(node == "clamp" && reason.contains("'min' is uint8"))
        // A float tensor is clipped by the Clip activation, not by Clamp.
        var f = Self.clampGraph(.int8, lo: [0], hi: [5], count: 2)
        f.tensors[0].dtype = .float32
        guard case .typeMismatch(let n, _)? = Self.rejection(f) else { Issue.record("accepted or wrong error"); return }
        #expect(n == "clamp")
    }

    @Test func maxPoolOverUnsignedBytes() throws {
        // [L = 5, C = 1] uint8, window 3, stride 2, one padded position on each side:
        // windows {pad, 10, 250}, {250, 3, 7}, {7, 255, pad} → 250, 250, 255. Padding
        // never wins, even against 0 (T.min is the start, not a padded zero).
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .uint8, shape: [5, 1])
        let out = g.addTensor(name: "out")
        g.inputs = [x]
        g.nodes = [Node(name: "pool", op: .maxPool1D(Pool1DAttributes(poolSize: 3, stride: 2, padding: .explicit(left: 1, right: 1))), inputs: [x], outputs: [out])]
        g.outputs = [out]
        #expect(try Self.run(g, [[UInt8(10), 250, 3, 7, 255]]) == [250, 250, 255])
        // Batch 2: the second item [0, 0, 0, 0, 1] → 0, 0, 1.
        #expect(try Self.run(g, [[UInt8(10), 250, 3, 7, 255, 0, 0, 0, 0, 1]], batch: 2) == [250, 250, 255, 0, 0, 1])
    }

    @Test func operandsMustShareOneIntegerType() {
        var mixed = Self.binaryGraph(.add(activation: .linear), .int8, count: 2)
        mixed.tensors[1].dtype = .int16
        guard case .typeMismatch(let node, let reason)? = Self.rejection(mixed) else { Issue.record("accepted or wrong error"); return }
        #expect(node == "op" && reason.contains("'y' is int16") && reason.contains("'x' is int8"))

        var withFloat = Self.binaryGraph(.mul(activation: .linear), .int32, count: 2)
        withFloat.tensors[1].dtype = .float32
        guard case .typeMismatch(let n2, let r2)? = Self.rejection(withFloat) else { Issue.record("accepted or wrong error"); return }
        #expect(n2 == "op" && r2.contains("'y' is float32"))

        // A quantized int8 tensor holds real values, not plain integers.
        var quantized = Self.binaryGraph(.add(activation: .linear), .int8, count: 2)
        quantized.tensors[1].quantization = QuantizationParameters(scale: 0.5, zeroPoint: 0)
        guard case .typeMismatch(_, let r3)? = Self.rejection(quantized) else { Issue.record("accepted or wrong error"); return }
        #expect(r3.contains("quantized int8"))

        // Integer ops fuse no activation, and float-only ops refuse integers.
        guard case .badAttribute(let n4, _)? = Self.rejection(Self.binaryGraph(.add(activation: .relu), .int32, count: 2)) else { Issue.record("accepted or wrong error"); return }
        #expect(n4 == "op")
        var softmax = Graph()
        let x = softmax.addTensor(name: "x", dtype: .int32, shape: [4])
        let y = softmax.addTensor(name: "y")
        softmax.inputs = [x]
        softmax.nodes = [Node(name: "softmax", op: .softmax(axis: -1), inputs: [x], outputs: [y])]
        softmax.outputs = [y]
        guard case .typeMismatch(let n5, let r5)? = Self.rejection(softmax) else { Issue.record("accepted or wrong error"); return }
        #expect(n5 == "softmax" && r5.contains("int32"))
    }

    /// A graph with no inputs whose outputs are constants: an int64 shape vector and an
    /// empty int64 vector (ONNX Shape with start ≥ end).
    static func constantGraph() -> Graph {
        var g = Graph()
        let shape = [Int64(3), 4, 5].withUnsafeBytes { g.addConstant(name: "shape", dtype: .int64, shape: [3], bytes: $0) }
        let empty = [Int64]().withUnsafeBytes { g.addConstant(name: "empty", dtype: .int64, shape: [0], bytes: $0) }
        g.outputs = [shape, empty]
        return g
    }

    @Test func constantOutputsAreServedWithoutABatchAxis() throws {
        let interpreter = try Interpreter<PortableKernels>(graph: Self.constantGraph(), batch: 4)
        interpreter.invoke()
        let bytes = interpreter.outputBytes(0)
        #expect(bytes.count == 24)  // 3 int64 values, whatever the batch
        #expect((0..<3).map { bytes.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } == [3, 4, 5])
        #expect(interpreter.outputBytes(1).count == 0)
    }

    @Test func noNodeReadsAnEmptyConstant() {
        var g = Self.constantGraph()
        let x = g.addTensor(name: "x", dtype: .int64, shape: [1])
        let y = g.addTensor(name: "y")
        g.inputs = [x]
        g.nodes = [Node(name: "add", op: .add(activation: .linear), inputs: [x, 1], outputs: [y])]
        g.outputs.append(y)
        #expect(throws: GraphError.nonPositiveDimension(tensor: "empty", shape: [0])) { try g.validated() }
    }

    /// Every integer feature of the file format: an int64 input and constants, Clamp, a
    /// uint8 MaxPool and a bool constant output.
    static func mixedGraph() -> Graph {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int64, shape: [3])
        let c = [Int64(-5), 0, 5].withUnsafeBytes { g.addConstant(name: "c", dtype: .int64, shape: [3], bytes: $0) }
        let lo = [Int64(-4)].withUnsafeBytes { g.addConstant(name: "lo", dtype: .int64, shape: [1], bytes: $0) }
        let hi = [Int64(4)].withUnsafeBytes { g.addConstant(name: "hi", dtype: .int64, shape: [1], bytes: $0) }
        let sum = g.addTensor(name: "sum"), clamped = g.addTensor(name: "clamped")
        let p = g.addTensor(name: "p", dtype: .uint8, shape: [4, 1])
        let pooled = g.addTensor(name: "pooled")
        let mask = [UInt8(1), 1].withUnsafeBytes { g.addConstant(name: "mask", dtype: .bool, shape: [2], bytes: $0) }
        g.inputs = [x, p]
        g.nodes = [
            Node(name: "add", op: .add(activation: .linear), inputs: [x, c], outputs: [sum]),
            Node(name: "clamp", op: .clamp, inputs: [sum, lo, hi], outputs: [clamped]),
            Node(name: "pool", op: .maxPool1D(Pool1DAttributes(poolSize: 2)), inputs: [p], outputs: [pooled]),
        ]
        g.outputs = [clamped, pooled, mask]
        return g
    }

    @Test func integerGraphsSurviveThePackageFile() throws {
        let graph = try Self.mixedGraph().validated()
        let package = ModelPackage(manifest: Manifest(name: "integers"), graph: graph, golden: GoldenVectors(batch: 1, inputs: [], outputs: [], tolerance: 0))
        let decoded = try ModelPackage.decode(package.encoded())
        #expect(decoded.graph == graph)
        #expect(decoded.graph.tensors.map(\.dtype) == graph.tensors.map(\.dtype))
        #expect(decoded.graph.nodes.map(\.op) == [.add(activation: .linear), .clamp, .maxPool1D(Pool1DAttributes(poolSize: 2))])

        let interpreter = try Interpreter<PortableKernels>(graph: decoded.graph, batch: 1)
        let x = interpreter.inputBytes(0), p = interpreter.inputBytes(1)
        for (i, v) in [Int64(1), 2, 3].enumerated() { x.storeBytes(of: v, toByteOffset: 8 * i, as: Int64.self) }
        for (i, v) in [UInt8(9), 200, 0, 1].enumerated() { p[i] = v }
        interpreter.invoke()
        // [1 − 5, 2 + 0, 3 + 5] = [−4, 2, 8], clamped to [−4, 4]: [−4, 2, 4].
        let out = interpreter.outputBytes(0)
        #expect((0..<3).map { out.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) } == [-4, 2, 4])
        // Windows {9, 200} and {0, 1}.
        #expect(Array(interpreter.outputBytes(1)) == [200, 1])
        #expect(Array(interpreter.outputBytes(2)) == [1, 1])
    }

    @Test func unknownDTypeInAPackageIsMalformed() throws {
        let graph = try Self.mixedGraph().validated()
        var bytes = graph.encoded()
        // The first tensor's record: u32 name length, "x", then its dtype byte.
        #expect(bytes[4 + 4 + 1] == DType.int64.rawValue)
        bytes[4 + 4 + 1] = 200
        #expect(throws: PackageError.self) { try bytes.withUnsafeBytes { try Graph.decode($0, constants: graph.constantData) } }
    }

    @Test func trainingBatchNormalizationUsesTheItemsStatistics() throws {
        // x [4 positions, 2 channels]: channel 0 holds 1, 2, 3, 4 (mean 2.5, population
        // variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25); channel 1 holds 5 four times
        // (mean 5, variance 0). With ε = 0.25: channel 0 divides by √1.5, channel 1 by 0.5.
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [4, 2])
        let scale = g.addConstant(name: "scale", shape: [2], values: [2, 1])
        let bias = g.addConstant(name: "bias", shape: [2], values: [0, 10])
        let mean = g.addConstant(name: "mean", shape: [2], values: [0, 1])
        let variance = g.addConstant(name: "variance", shape: [2], values: [1, 3])
        let y = g.addTensor(name: "y"), m = g.addTensor(name: "m"), v = g.addTensor(name: "v")
        g.inputs = [x]
        g.nodes = [Node(name: "bn", op: .batchNormalizationTraining(epsilon: 0.25, momentum: 0.75), inputs: [x, scale, bias, mean, variance], outputs: [y, m, v])]
        g.outputs = [y, m, v]
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: 1)
        for (i, value) in [Float(1), 5, 2, 5, 3, 5, 4, 5].enumerated() { interpreter.input(0)[i] = value }
        interpreter.invoke()
        let s = Float(1.5).squareRoot()
        let expected: [Float] = [2 * -1.5 / s, 10, 2 * -0.5 / s, 10, 2 * 0.5 / s, 10, 2 * 1.5 / s, 10]
        for (got, want) in zip(Array(interpreter.output(0)), expected) { #expect(abs(got - want) < 1e-5) }
        // Running mean 0·0.75 + 2.5·0.25 = 0.625 and 1·0.75 + 5·0.25 = 2; variance
        // 1·0.75 + 1.25·0.25 = 1.0625 and 3·0.75 + 0 = 2.25.
        #expect(Array(interpreter.output(1)) == [0.625, 2])
        #expect(Array(interpreter.output(2)) == [1.0625, 2.25])
        let decoded = try g.encoded().withUnsafeBytes { try Graph.decode($0, constants: g.constantData) }
        #expect(decoded.nodes[0].op == .batchNormalizationTraining(epsilon: 0.25, momentum: 0.75))
    }

    @Test func matMulByMatrixSlicesBroadcasts() throws {
        // a [1, 2, 2] (one slice, broadcast) · b [2, 2, 1] (two slices):
        // a = [[1, 2], [3, 4]]; b0 = [[1], [1]] → [3, 7]; b1 = [[2], [−1]] → [0, 2].
        var g = Graph()
        let a = g.addTensor(name: "a", shape: [1, 2, 2])
        let b = g.addConstant(name: "b", shape: [2, 2, 1], values: [1, 1, 2, -1])
        let out = g.addTensor(name: "out")
        g.inputs = [a]
        g.nodes = [Node(name: "matmul", op: .matMul, inputs: [a, b], outputs: [out])]
        g.outputs = [out]
        let v = try g.validated()
        #expect(v.tensors[out].shape == [2, 2, 1])
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: 2)
        // Batch item 1 is item 0 doubled.
        for (i, value) in [Float(1), 2, 3, 4, 2, 4, 6, 8].enumerated() { interpreter.input(0)[i] = value }
        interpreter.invoke()
        #expect(Array(interpreter.output(0)) == [3, 7, 0, 2, 6, 14, 0, 4])
        #expect(interpreter.plan.macsPerNode == [8])  // 4 outputs × K = 2 per item
    }

    @Test func matMulOfRunTimeSlices() throws {
        // Per sample a [2, 1, 2] · b [2, 2, 1] (two heads, each a row times a column):
        // item 0: [1, 2]·[1, 1]ᵀ = 3 and [3, 4]·[2, −1]ᵀ = 2;
        // item 1: [0, 1]·[5, 6]ᵀ = 6 and [1, 1]·[1, 2]ᵀ = 3.
        var g = Graph()
        let a = g.addTensor(name: "a", shape: [2, 1, 2])
        let b = g.addTensor(name: "b", shape: [2, 2, 1])
        let out = g.addTensor(name: "out")
        g.inputs = [a, b]
        g.nodes = [Node(name: "matmul", op: .matMul, inputs: [a, b], outputs: [out])]
        g.outputs = [out]
        let v = try g.validated()
        #expect(v.tensors[out].shape == [2, 1, 1])
        let interpreter = try Interpreter<PortableKernels>(graph: g, batch: 2)
        for (i, value) in [Float(1), 2, 3, 4, 0, 1, 1, 1].enumerated() { interpreter.input(0)[i] = value }
        for (i, value) in [Float(1), 1, 2, -1, 5, 6, 1, 2].enumerated() { interpreter.input(1)[i] = value }
        interpreter.invoke()
        #expect(Array(interpreter.output(0)) == [3, 2, 6, 3])

        // Leading axes that differ are refused.
        var h = g
        h.tensors[b].shape = [3, 2, 1]
        #expect(throws: GraphError.self) { try h.validated() }
    }

    @Test func squaredDifferenceBroadcasts() throws {
        // x [2, 2] = [[1, 2], [4, 8]] against y [2, 1] = [[3], [5]]:
        // (1−3)² = 4, (2−3)² = 1, (4−5)² = 1, (8−5)² = 9.
        var g = Graph()
        let x = g.addTensor(name: "x", shape: [2, 2]), y = g.addTensor(name: "y", shape: [2, 1])
        let out = g.addTensor(name: "out")
        g.inputs = [x, y]
        g.nodes = [Node(name: "sd", op: .squaredDifference(activation: .linear), inputs: [x, y], outputs: [out])]
        g.outputs = [out]
        let interpreter = try Interpreter<PortableKernels>(graph: g)
        for (i, v) in [Float(1), 2, 4, 8].enumerated() { interpreter.input(0)[i] = v }
        interpreter.input(1)[0] = 3; interpreter.input(1)[1] = 5
        interpreter.invoke()
        #expect(Array(interpreter.output(0)) == [4, 1, 1, 9])
    }
}
