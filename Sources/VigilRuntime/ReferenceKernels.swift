/// Portable float kernels: straightforward loops that follow each op's definition.
/// They run on the device and are the oracle the optimized host kernels are tested
/// against.
///
/// Each op's kernels live in its file under `Ops/`; this file holds what they share.
public enum ReferenceKernels {
    @inlinable
    /// ln(1 + e^x) as max(x, 0) + ln(1 + e^−|x|), which neither overflows nor loses x.
    static func softplus(_ x: Float) -> Float {
        (x > 0 ? x : 0) + VMath.log1p(VMath.exp(x > 0 ? -x : x))
    }

    public static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .linear: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        case .clip(let lo, let hi): return x < lo ? lo : (x > hi ? hi : x)
        case .leakyRelu(let alpha): return x >= 0 ? x : alpha * x
        case .sigmoid: return VMath.sigmoid(x)
        case .hardSigmoid(let alpha, let beta):
            let y = alpha * x + beta
            return y < 0 ? 0 : (y > 1 ? 1 : y)
        case .tanh: return VMath.tanh(x)
        case .elu(let alpha): return x > 0 ? x : alpha * VMath.expm1(x)
        case .selu(let alpha, let gamma): return gamma * (x > 0 ? x : alpha * VMath.expm1(x))
        case .gelu(let approximate):
            if approximate {
                // 0.5·x·(1 + tanh z) = x·sigmoid(2z), which does not cancel for x ≪ 0.
                return x * VMath.sigmoid(1.5957691216057308 * (x + 0.044715 * x * x * x))
            }
            let d = Double(x)
            return Float(0.5 * d * VMath.erfcDouble(-d * 0.7071067811865476))
        case .swish: return x * VMath.sigmoid(x)
        case .softplus: return softplus(x)
        case .softsign: return x / (1 + (x < 0 ? -x : x))
        case .hardSwish:
            let r = x + 3
            return x * (r < 0 ? 0 : (r > 6 ? 6 : r)) / 6
        case .exponential: return VMath.exp(x)
        case .mish: return x * VMath.tanh(softplus(x))
        case .negate: return -x
        case .absolute: return x < 0 ? -x : x
        case .logarithm: return VMath.log(x)
        case .squareRoot: return x.squareRoot()
        case .reciprocal: return 1 / x
        case .errorFunction: return VMath.erf(x)
        case .reciprocalSquareRoot: return 1 / x.squareRoot()
        }
    }
}
