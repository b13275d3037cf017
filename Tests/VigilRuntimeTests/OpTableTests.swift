import Testing
@testable import VigilRuntime

/// Checks driven by the op table (`OpTag.allCases`), so that no op can be left out: a
/// new tag does not compile until `sample(_:_:)` builds a node of it.
@Suite("Op table")
struct OpTableTests {
    /// An op of `tag` whose every integer attribute is `v` (where it has any). The switch
    /// is exhaustive over the tags, with no default.
    static func sample(_ tag: OpTag, _ v: Int) -> Op {
        let window = WindowND(kernel: [v], strides: [v], dilations: [v], padBegin: [v], padEnd: [v])
        let pool = Pool1DAttributes(poolSize: v, stride: v, padding: .explicit(left: v, right: v))
        switch tag {
        case .conv1D: return .conv1D(Conv1DAttributes(kernelSize: v, stride: v, dilation: v, padding: .explicit(left: v, right: v), groups: v, activation: .relu))
        case .dense: return .dense(activation: .relu6)
        case .matMul: return .matMul
        case .add: return .add(activation: .linear)
        case .sub: return .sub(activation: .relu)
        case .mul: return .mul(activation: .linear)
        case .div: return .div(activation: .linear)
        case .maximum: return .maximum(activation: .relu)
        case .power: return .power(activation: .linear)
        case .squaredDifference: return .squaredDifference(activation: .relu)
        case .prelu: return .prelu(activation: .relu)
        case .minimum: return .minimum(activation: .linear)
        case .concatenate: return .concatenate(axis: v)
        case .reshape: return .reshape(shape: [v, v])
        case .zeroPadding1D: return .zeroPadding1D(left: v, right: v)
        case .maxPool1D: return .maxPool1D(pool)
        case .averagePool1D: return .averagePool1D(pool)
        case .globalAveragePool1D: return .globalAveragePool1D
        case .globalMaxPool1D: return .globalMaxPool1D
        case .activation: return .activation(.leakyRelu(alpha: 0.25))
        case .softmax: return .softmax(axis: v)
        case .logSoftmax: return .logSoftmax(axis: v)
        case .affine: return .affine
        case .gru: return .gru(RecurrentAttributes(units: v, returnSequences: true))
        case .lstm: return .lstm(RecurrentAttributes(units: v))
        case .quantize: return .quantize
        case .dequantize: return .dequantize
        case .convND: return .convND(ConvNDAttributes(window: window, groups: v))
        case .maxPoolND: return .maxPoolND(PoolNDAttributes(window: window), columnMajorIndices: true)
        case .averagePoolND: return .averagePoolND(PoolNDAttributes(window: window, ceilMode: true), countIncludePad: true)
        case .transpose: return .transpose(permutation: [v, v])
        case .slice: return .slice(starts: [v], steps: [v], sizes: [v])
        case .gather: return .gather(axis: v)
        case .expand: return .expand(shape: [v, v])
        case .gruWithDirection: return .gru(RecurrentAttributes(units: v, direction: .bidirectional))
        case .lstmWithDirection: return .lstm(RecurrentAttributes(units: v, direction: .reverse, peepholes: true))
        case .simpleRNN: return .simpleRNN(RecurrentAttributes(units: v, direction: .bidirectional))
        case .clamp: return .clamp
        case .batchNormalizationTraining: return .batchNormalizationTraining(epsilon: 1e-3, momentum: 0.9)
        case .layerNormalization: return .layerNormalization(epsilon: 1e-5)
        }
    }

    /// A graph of one node of `op` over a float [4, 2] input.
    static func graph(_ op: Op) -> Graph {
        Graph(tensors: [TensorDescriptor(name: "x", dtype: .float32, shape: [4, 2]), TensorDescriptor(name: "y", dtype: .float32, shape: [])],
              nodes: [Node(name: "n", op: op, inputs: [0], outputs: [1])], inputs: [0], outputs: [1])
    }

    static func decoded(_ g: Graph) throws -> Graph {
        let bytes = g.encoded()
        return try bytes.withUnsafeBytes { buffer throws(PackageError) in try Graph.decode(buffer, constants: g.constantData) }
    }

    /// How often `value` appears as a little-endian int32 in `bytes`.
    static func occurrences(of value: Int, in bytes: [UInt8]) -> Int {
        let v = UInt32(bitPattern: Int32(value))
        let pattern = (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) }
        var count = 0
        if bytes.count >= 4 {
            for i in 0...(bytes.count - 4) where Array(bytes[i..<(i + 4)]) == pattern { count += 1 }
        }
        return count
    }

    /// The numeric tags are the package format: files and fixtures written before must
    /// still decode.
    @Test func tagsKeepTheirNumbers() {
        let expected: [OpTag: UInt8] = [
            .conv1D: 1, .dense: 2, .matMul: 3, .add: 4, .sub: 5, .mul: 6, .div: 7, .concatenate: 8, .reshape: 9,
            .zeroPadding1D: 10, .maxPool1D: 11, .averagePool1D: 12, .globalAveragePool1D: 13, .globalMaxPool1D: 14,
            .activation: 15, .softmax: 16, .affine: 17, .gru: 18, .lstm: 19, .quantize: 20, .dequantize: 21,
            .convND: 40, .maxPoolND: 41, .averagePoolND: 42, .transpose: 50, .slice: 51, .gather: 52, .expand: 53,
            .gruWithDirection: 54, .lstmWithDirection: 55, .clamp: 60, .batchNormalizationTraining: 61, .layerNormalization: 70, .logSoftmax: 71, .simpleRNN: 56, .maximum: 80, .minimum: 81, .power: 82, .squaredDifference: 83, .prelu: 84,
        ]
        #expect(OpTag.allCases.count == expected.count)
        for tag in OpTag.allCases { #expect(tag.rawValue == expected[tag], "\(tag)") }
    }

    @Test func everyTagEncodesAndDecodes() throws {
        for tag in OpTag.allCases {
            let op = Self.sample(tag, 3)
            #expect(op.tag == tag, "\(tag)")
            let bytes = Self.graph(op).encoded()
            #expect(bytes.contains(tag.rawValue))
            #expect(try Self.decoded(Self.graph(op)).nodes[0].op == op, "\(tag)")
        }
    }

    /// Every integer an op carries in the file goes through `Op.integerAttributes`, and
    /// validation rejects a hostile value (huge or hugely negative) there, before any
    /// size arithmetic, whether the graph is built in memory or decoded from bytes.
    @Test(arguments: [0x3BCD_EF12, -0x3BCD_EF12])
    func everyIntegerAttributeIsBounded(hostile: Int) throws {
        #expect(hostile.magnitude > Graph.maximumDimension)
        for tag in OpTag.allCases {
            let op = Self.sample(tag, hostile)
            let g = Self.graph(op)
            // The integers the file holds for this op are exactly those validation bounds.
            let inFile = Self.occurrences(of: hostile, in: g.encoded())
            let bounded = op.integerAttributes.filter { $0 == hostile }.count
            #expect(inFile == bounded, "\(tag): \(inFile) integers in the file, \(bounded) bounded")
            #expect(op.integerAttributes.count == bounded, "\(tag)")
            if bounded == 0 { continue }
            for candidate in [g, try Self.decoded(g)] {
                do {
                    _ = try candidate.validated()
                    Issue.record("\(tag): a hostile attribute \(hostile) passed validation")
                } catch {
                    guard case .badAttribute(let node, let reason) = error else {
                        Issue.record("\(tag): \(error) is not the attribute bounds check")
                        continue
                    }
                    #expect(node == "n" && reason.contains("out of range"), "\(tag): \(reason)")
                }
            }
        }
    }
}
