extension Graph {
    /// Appends a constant tensor whose bytes are `bytes`, aligned for in-place use.
    public mutating func addConstant(name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer, quantization: QuantizationParameters? = nil) -> TensorID {
        let align = Graph.constantAlignment
        let offset = (constantData.count + align - 1) / align * align
        constantData.append(contentsOf: [UInt8](repeating: 0, count: offset - constantData.count))
        constantData.append(contentsOf: bytes)
        tensors.append(TensorDescriptor(name: name, dtype: dtype, shape: shape, quantization: quantization, storage: .constant(offset: offset)))
        return tensors.count - 1
    }

    public mutating func addConstant(name: String, shape: [Int], values: [Float]) -> TensorID {
        values.withUnsafeBytes { addConstant(name: name, dtype: .float32, shape: shape, bytes: $0) }
    }

    public mutating func addConstant(name: String, shape: [Int], values: [Int8], quantization: QuantizationParameters?) -> TensorID {
        values.withUnsafeBytes { addConstant(name: name, dtype: .int8, shape: shape, bytes: $0, quantization: quantization) }
    }

    public mutating func addConstant(name: String, shape: [Int], values: [Int32], quantization: QuantizationParameters? = nil) -> TensorID {
        values.withUnsafeBytes { addConstant(name: name, dtype: .int32, shape: shape, bytes: $0, quantization: quantization) }
    }

    /// The float values of a float32 constant (a copy, for rewriting passes and tests).
    public func floatValues(of id: TensorID) -> [Float] {
        guard case .constant(let offset) = tensors[id].storage, tensors[id].dtype == .float32 else { return [] }
        let count = tensors[id].elementCount
        return constantData.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: Float.self) }
                initialized = count
            }
        }
    }

    /// Adds an arena tensor whose shape inference will fill in.
    public mutating func addTensor(name: String, dtype: DType = .float32, shape: [Int] = []) -> TensorID {
        tensors.append(TensorDescriptor(name: name, dtype: dtype, shape: shape))
        return tensors.count - 1
    }
}
