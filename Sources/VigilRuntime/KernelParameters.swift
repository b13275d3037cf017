/// Resolved, batch-concrete arguments of each kernel. They hold only integers,
/// pointers and activations, so that running a planned model touches no reference
/// counts and allocates nothing.
/// Each op's own parameters live in its file under `Ops/`; the broadcasting walk the
/// float, int8 and integer elementwise kernels share is here.

/// Elementwise op over an output of up to five dimensions (batch included); each
/// operand reads with its own strides, zero along broadcast axes.
public struct BinaryParameters: Sendable {
    public var op: BinaryOperator
    public var activation: Activation
    public var shape: (Int, Int, Int, Int, Int)
    public var stridesA: (Int, Int, Int, Int, Int)
    public var stridesB: (Int, Int, Int, Int, Int)
    /// Both operands have exactly the output's shape: one flat loop.
    public var isContiguous: Bool
    public var count: Int

    public init(op: BinaryOperator, activation: Activation, shape: (Int, Int, Int, Int, Int), stridesA: (Int, Int, Int, Int, Int), stridesB: (Int, Int, Int, Int, Int), isContiguous: Bool, count: Int) {
        self.op = op; self.activation = activation; self.shape = shape
        self.stridesA = stridesA; self.stridesB = stridesB; self.isContiguous = isContiguous; self.count = count
    }

    /// Calls `body` with the index into each operand for every output element, in
    /// output order: the one broadcasting walk the float and integer kernels share.
    @inline(__always)
    public func forEachElement(_ body: (_ a: Int, _ b: Int, _ output: Int) -> Void) {
        if isContiguous {
            for i in 0..<count { body(i, i, i) }
            return
        }
        let (n0, n1, n2, n3, n4) = shape
        let (a0, a1, a2, a3, a4) = stridesA
        let (b0, b1, b2, b3, b4) = stridesB
        var out = 0
        for i0 in 0..<n0 { for i1 in 0..<n1 { for i2 in 0..<n2 { for i3 in 0..<n3 { for i4 in 0..<n4 {
            body(i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4, i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3 + i4 * b4, out)
            out += 1
        } } } } }
    }
}
