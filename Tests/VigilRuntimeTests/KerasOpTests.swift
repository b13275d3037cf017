import Foundation
import Testing
@testable import VigilRuntime

/// Op conformance against Keras: every case of `Fixtures/ops.json` (made by
/// `Fixtures/make_op_fixtures.py` with Keras 3 / TensorFlow, see its docstring for the
/// format) is rebuilt as a Vigil graph, run with the portable reference kernels, and
/// compared element by element with |vigil − keras| ≤ 1e-6 + 1e-5·|keras|.
struct KerasOpTests {
    static let absoluteTolerance: Float = 1e-6
    static let relativeTolerance: Float = 1e-5

    @Test("Op matches Keras", arguments: try KerasFixtures.caseNames())
    func matchesKeras(_ name: String) throws {
        let c = try KerasFixtures.testCase(named: name)
        let batch = c.expected.shape[0]
        let graph = try c.buildGraph()

        // The BatchNormalization cases check that the rewrite they are meant to
        // exercise happened: folded into the convolution, or left as an affine node.
        switch c.op {
        case "Conv1D+BatchNormalization": #expect(graph.nodes.count == 1, "BatchNorm was not folded into the conv")
        case "ReLU+BatchNormalization": #expect(graph.nodes.map(\.op.name) == ["relu", "Affine"])
        default: break
        }

        let interpreter = try Interpreter<PortableKernels>(graph: graph, batch: batch)
        #expect(graph.inputs.count == c.inputs.count)
        for (i, input) in c.inputs.enumerated() {
            #expect(input.shape[0] == batch)
            let buffer = interpreter.input(i)
            try #require(buffer.count == input.data.count, "input \(i): \(buffer.count) floats in the arena, fixture has \(input.data.count)")
            for j in 0..<buffer.count { buffer[j] = input.data[j] }
        }
        interpreter.invoke()

        let outputShape = [batch] + graph.tensors[graph.outputs[0]].shape
        try #require(outputShape == c.expected.shape, "output shape \(outputShape), Keras \(c.expected.shape)")
        let output = interpreter.output(0)
        try #require(output.count == c.expected.data.count)

        var failures: [String] = []
        var worst: Float = 0
        for i in 0..<output.count {
            let (a, b) = (output[i], c.expected.data[i])
            let error = abs(a - b)
            let allowed = Self.absoluteTolerance + Self.relativeTolerance * abs(b)
            if !(error <= allowed) {
                if failures.count < 8 { failures.append("[\(i)] vigil \(a) keras \(b) (|Δ| \(error))") }
                else if failures.count == 8 { failures.append("…") }
            }
            if error.isNaN { worst = .nan } else { worst = max(worst, error / allowed) }
        }
        #expect(failures.isEmpty, "\(name): worst |Δ| is \(worst)× the tolerance\n\(failures.joined(separator: "\n"))")
    }

    /// The fixture covers every op and variant the issue asks for.
    @Test func fixtureCoversAllOps() throws {
        let cases = try KerasFixtures.all.get()
        let ops = Set(cases.map(\.op))
        let required: Set<String> = [
            "Conv1D", "DepthwiseConv1D", "SeparableConv1D", "Dense", "MatMul", "Add", "Subtract", "Multiply",
            "MultiplyConstant", "Concatenate", "Reshape", "Flatten", "ZeroPadding1D", "MaxPooling1D",
            "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "ReLU", "LeakyReLU", "Activation",
            "Softmax", "Conv1D+BatchNormalization", "ReLU+BatchNormalization", "GRU", "LSTM",
        ]
        #expect(required.subtracting(ops).isEmpty, "missing ops: \(required.subtracting(ops).sorted())")
        let conv = cases.filter { $0.op == "Conv1D" }
        for padding in ["valid", "same", "causal"] {
            #expect(conv.contains { $0.attributes["padding"]?.string == padding }, "no Conv1D with padding \(padding)")
        }
        #expect(conv.contains { $0.attributes["strides"]?.int == 2 })
        #expect(conv.contains { $0.attributes["dilation_rate"]?.int == 2 })
        #expect(conv.contains { $0.attributes["groups"]?.int == 2 })
        #expect(conv.contains { $0.attributes["use_bias"]?.bool == false })
        #expect(conv.contains { $0.attributes["activation"]?.string == "relu" })
        for rnn in ["GRU", "LSTM"] {
            for sequences in [true, false] {
                #expect(cases.contains { $0.op == rnn && $0.attributes["return_sequences"]?.bool == sequences })
            }
        }
        for resetAfter in [true, false] {
            #expect(cases.contains { $0.op == "GRU" && $0.attributes["reset_after"]?.bool == resetAfter })
        }
        #expect(Set(cases.map(\.name)).count == cases.count, "case names are not unique")
    }
}

// MARK: - Fixture

enum FixtureError: Error, CustomStringConvertible {
    case missingFile
    case unknownCase(String)
    case bad(String, String)

    var description: String {
        switch self {
        case .missingFile: return "Fixtures/ops.json is not in the test bundle"
        case .unknownCase(let name): return "no case named \(name)"
        case .bad(let name, let reason): return "case \(name): \(reason)"
        }
    }
}

/// A JSON value, for the free-form `attributes` object.
enum JSONValue: Decodable, Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var double: Double? { if case .number(let d) = self { return d } else { return nil } }
    var int: Int? { double.flatMap { $0 == $0.rounded() ? Int($0) : nil } }
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var ints: [Int]? {
        guard case .array(let a) = self else { return nil }
        let values = a.compactMap(\.int)
        return values.count == a.count ? values : nil
    }
}

struct FixtureTensor: Decodable, Sendable {
    var shape: [Int]
    var data: [Float]

    enum CodingKeys: String, CodingKey { case shape, data }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shape = try c.decode([Int].self, forKey: .shape)
        // Written as the doubles equal to float32 values, so the conversion is exact.
        data = try c.decode([Double].self, forKey: .data).map { Float($0) }
        let count = shape.reduce(1, *)
        if count != data.count {
            throw DecodingError.dataCorruptedError(forKey: .data, in: c, debugDescription: "shape \(shape) needs \(count) values, has \(data.count)")
        }
    }
}

struct OpCase: Decodable, Sendable {
    var name: String
    var op: String
    var attributes: [String: JSONValue]
    var inputs: [FixtureTensor]
    var weights: [String: FixtureTensor]
    var expected: FixtureTensor
}

enum KerasFixtures {
    static let all: Result<[OpCase], any Error> = Result {
        guard let url = Bundle.module.url(forResource: "ops", withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError.missingFile
        }
        return try JSONDecoder().decode([OpCase].self, from: Data(contentsOf: url))
    }

    static func caseNames() throws -> [String] {
        try all.get().map(\.name)
    }

    static func testCase(named name: String) throws -> OpCase {
        guard let c = try all.get().first(where: { $0.name == name }) else { throw FixtureError.unknownCase(name) }
        return c
    }
}

// MARK: - Keras case → Vigil graph

extension OpCase {
    func fail(_ reason: String) -> FixtureError { .bad(name, reason) }

    func attribute(_ key: String) throws -> JSONValue {
        guard let v = attributes[key] else { throw fail("attribute '\(key)' missing") }
        return v
    }
    func int(_ key: String) throws -> Int {
        guard let v = try attribute(key).int else { throw fail("attribute '\(key)' is not an integer") }
        return v
    }
    func float(_ key: String) throws -> Float {
        guard let v = try attribute(key).double else { throw fail("attribute '\(key)' is not a number") }
        return Float(v)
    }
    func string(_ key: String) throws -> String {
        guard let v = try attribute(key).string else { throw fail("attribute '\(key)' is not a string") }
        return v
    }
    func bool(_ key: String) throws -> Bool {
        guard let v = try attribute(key).bool else { throw fail("attribute '\(key)' is not a boolean") }
        return v
    }
    func weight(_ key: String) throws -> FixtureTensor {
        guard let w = weights[key] else { throw fail("weight '\(key)' missing") }
        return w
    }

    func padding(_ key: String = "padding") throws -> Padding {
        switch try string(key) {
        case "valid": return .valid
        case "same": return .same
        case "causal": return .causal
        case let other: throw fail("padding '\(other)'")
        }
    }

    /// A Keras activation name as Vigil's activation.
    func activation(_ key: String = "activation") throws -> Activation {
        switch try string(key) {
        case "linear": return .linear
        case "relu": return .relu
        case "relu6": return .relu6
        case "sigmoid": return .sigmoid
        // Keras 3: relu6(x + 3) / 6.
        case "hard_sigmoid": return .hardSigmoid(alpha: 1.0 / 6.0, beta: 0.5)
        case "tanh": return .tanh
        case let other: throw fail("activation '\(other)'")
        }
    }

    func buildGraph() throws -> Graph {
        var b = GraphBuilder()
        let xs = inputs.enumerated().map { i, t in b.input("input_\(i)", shape: Array(t.shape.dropFirst())) }
        func constant(_ key: String, shape: [Int]? = nil) throws -> TensorID {
            let w = try weight(key)
            return b.constant(key, shape: shape ?? w.shape, values: w.data)
        }
        func optionalBias() throws -> TensorID? {
            weights["bias"] == nil ? nil : try constant("bias")
        }
        func convAttributes(groups: Int = 1) throws -> Conv1DAttributes {
            Conv1DAttributes(kernelSize: try int("kernel_size"), stride: try int("strides"),
                             dilation: attributes["dilation_rate"]?.int ?? 1, padding: try padding(),
                             groups: groups, activation: try activation())
        }
        func binary(_ make: (Activation) -> Op) throws -> TensorID {
            if xs.count < 2 { throw fail("needs two inputs") }
            var y = xs[0]
            for x in xs.dropFirst() { y = b.node(make(.linear), [y, x]) }
            return y
        }
        func batchNorm(_ x: TensorID) throws -> TensorID {
            b.batchNormalization(x, gamma: try weight("gamma").data, beta: try weight("beta").data,
                                 mean: try weight("moving_mean").data, variance: try weight("moving_variance").data,
                                 epsilon: try float("epsilon"))
        }

        let y: TensorID
        switch op {
        case "Conv1D":
            if try bool("use_bias") != (weights["bias"] != nil) { throw fail("use_bias disagrees with the weights") }
            y = b.conv1D(xs[0], weight: try constant("kernel"), bias: try optionalBias(), try convAttributes(groups: try int("groups")))

        case "DepthwiseConv1D":
            // Keras kernel [K, Cin, dm] is, row-major, the grouped kernel [K, 1, Cin·dm]
            // with output channel c·dm + m reading input channel c.
            let k = try weight("kernel").shape
            let kernel = try constant("kernel", shape: [k[0], 1, k[1] * k[2]])
            y = b.conv1D(xs[0], weight: kernel, bias: try optionalBias(), try convAttributes(groups: k[1]))

        case "SeparableConv1D":
            let k = try weight("depthwise_kernel").shape
            let depthwise = try constant("depthwise_kernel", shape: [k[0], 1, k[1] * k[2]])
            var a = try convAttributes(groups: k[1])
            a.activation = .linear
            let mid = b.conv1D(xs[0], weight: depthwise, a)
            y = b.conv1D(mid, weight: try constant("pointwise_kernel"), bias: try optionalBias(),
                         Conv1DAttributes(kernelSize: 1, activation: try activation()))

        case "Dense":
            y = b.dense(xs[0], weight: try constant("kernel"), bias: try optionalBias(), activation: try activation())

        case "MatMul":
            y = b.node(.matMul, xs.count == 2 ? [xs[0], xs[1]] : [xs[0], try constant("b")])
        case "Add": y = try binary { .add(activation: $0) }
        case "Subtract": y = try binary { .sub(activation: $0) }
        case "Multiply": y = try binary { .mul(activation: $0) }
        case "AddConstant": y = b.node(.add(activation: .linear), [xs[0], try constant("constant")])
        case "MultiplyConstant": y = b.node(.mul(activation: .linear), [xs[0], try constant("constant")])

        case "Concatenate": y = b.node(.concatenate(axis: try int("axis")), xs)
        case "Reshape":
            guard let target = attributes["target_shape"]?.ints else { throw fail("target_shape") }
            y = b.node(.reshape(shape: target), [xs[0]])
        case "Flatten": y = b.node(.reshape(shape: [-1]), [xs[0]])
        case "ZeroPadding1D":
            guard let p = attributes["padding"]?.ints, p.count == 2 else { throw fail("padding") }
            y = b.node(.zeroPadding1D(left: p[0], right: p[1]), [xs[0]])

        case "MaxPooling1D", "AveragePooling1D":
            let p = Pool1DAttributes(poolSize: try int("pool_size"), stride: try int("strides"), padding: try padding())
            y = b.node(op == "MaxPooling1D" ? .maxPool1D(p) : .averagePool1D(p), [xs[0]])
        case "GlobalAveragePooling1D": y = b.node(.globalAveragePool1D, [xs[0]])
        case "GlobalMaxPooling1D": y = b.node(.globalMaxPool1D, [xs[0]])

        case "ReLU":
            switch attributes["max_value"]?.double {
            case nil: y = b.activation(xs[0], .relu)
            case 6: y = b.activation(xs[0], .relu6)
            case let m?: y = b.activation(xs[0], .clip(min: 0, max: Float(m)))
            }
        case "LeakyReLU": y = b.activation(xs[0], .leakyRelu(alpha: try float("negative_slope")))
        case "Activation": y = b.activation(xs[0], try activation())
        case "Softmax": y = b.node(.softmax(axis: try int("axis")), [xs[0]])

        case "Conv1D+BatchNormalization":
            let conv = b.conv1D(xs[0], weight: try constant("kernel"), bias: try optionalBias(), try convAttributes(groups: try int("groups")))
            y = try batchNorm(conv)
        case "ReLU+BatchNormalization":
            y = try batchNorm(b.activation(xs[0], .relu))

        case "GRU", "LSTM":
            let a = RecurrentAttributes(units: try int("units"), returnSequences: try bool("return_sequences"),
                                        activation: try activation(), recurrentActivation: try activation("recurrent_activation"),
                                        resetAfter: attributes["reset_after"]?.bool ?? true)
            let ins = [xs[0], try constant("kernel"), try constant("recurrent_kernel")] + (try optionalBias().map { [$0] } ?? [])
            y = b.node(op == "GRU" ? .gru(a) : .lstm(a), ins)

        default:
            throw fail("unknown op '\(op)'")
        }
        b.output(y)
        return try b.build()
    }
}
