import Testing
import VigilRuntime

/// Graphs a hostile package could encode against the ops added with the integer
/// element types, N-d windows and data movement: each must be refused by validation
/// with a specific error before any kernel could read or write out of bounds.
struct HostileGraphTests {
    static func rejection(_ g: Graph) -> GraphError? {
        do { _ = try g.validated(); return nil } catch { return error }
    }

    /// Quantize compiles every input that is not int8 as float32: a 1- or 2-byte element
    /// type (uint8, int16, bool) would be read 4 bytes per element, past the end of its
    /// tensor, and int64 as garbage. Only float32 and int8 are accepted.
    @Test(arguments: [DType.uint8, .int16, .uint16, .bool, .int64, .uint32, .uint64])
    func quantizeReadsOnlyFloatOrInt8(dtype: DType) throws {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: dtype, shape: [8])
        var y = TensorDescriptor(name: "y", dtype: .int8, shape: [])
        y.quantization = QuantizationParameters(scale: 0.1, zeroPoint: 0)
        g.tensors.append(y)
        g.inputs = [x]
        g.nodes = [Node(name: "quantize", op: .quantize, inputs: [x], outputs: [1])]
        g.outputs = [1]
        guard case .typeMismatch(let node, let reason) = Self.rejection(g) else {
            Issue.record("a \(dtype.name) Quantize input was not refused as a type mismatch: \(String(describing: Self.rejection(g)))")
            return
        }
        #expect(node == "quantize")
        #expect(reason.contains(dtype.name))
        // Validation is what stands between the graph and the kernel.
        #expect(throws: GraphError.self) { _ = try Interpreter<PortableKernels>(graph: g) }
    }

    /// Plain int8 moved by a Transpose into an output a file declares quantized, then
    /// read by a quantized op: the moved values were never scaled, so validation makes
    /// the moved output plain again and the quantized consumer refuses it.
    @Test func dataMovementOutputsStayPlain() throws {
        var g = Graph()
        let x = g.addTensor(name: "x", dtype: .int8, shape: [4, 2])
        var moved = TensorDescriptor(name: "moved", dtype: .int8, shape: [])
        moved.quantization = QuantizationParameters(scale: 0.1, zeroPoint: 0)
        g.tensors.append(moved)
        let y = g.addTensor(name: "y", dtype: .float32, shape: [])
        g.inputs = [x]
        g.nodes = [Node(name: "transpose", op: .transpose(permutation: [1, 0]), inputs: [x], outputs: [1]),
                   Node(name: "dequantize", op: .dequantize, inputs: [1], outputs: [y])]
        g.outputs = [y]
        let error = Self.rejection(g)
        #expect(error != nil, "a Dequantize of plain int8 moved into a 'quantized' tensor was accepted")
        var alone = g
        alone.nodes.removeLast()
        alone.outputs = [1]
        #expect(try alone.validated().tensors[1].quantization == nil)
    }
}
