import Foundation
import Testing
@testable import VigilRuntime

/// The core's own elementary functions (no C library on the device) against the host's
/// glibc libm, computed in double precision and rounded: within a few float ulps.
struct MathTests {
    /// Inputs spread over many binades, both signs where the function takes them.
    static func sweep(from lo: Double, to hi: Double, count: Int = 20_000) -> [Float] {
        (0...count).map { Float(lo + (hi - lo) * Double($0) / Double(count)) }
    }

    static func ulps(_ got: Float, _ want: Double) -> Double {
        let w = Float(want)
        if got == w { return 0 }
        let spacing = Double(w == 0 ? Float.leastNonzeroMagnitude : w.ulp)
        return abs(Double(got) - want) / spacing
    }

    @Test func logAndLog1pWithinTwoUlps() {
        var worst = 0.0
        var inputs = Self.sweep(from: 1e-6, to: 10)
        for e in stride(from: -140, through: 120, by: 1) { inputs.append(Float(pow(2.0, Double(e))) * 1.37) }
        inputs += [Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, Float.greatestFiniteMagnitude, 1, 2, 0.5]
        for x in inputs {
            worst = max(worst, Self.ulps(VMath.log(x), Foundation.log(Double(x))))
            worst = max(worst, Self.ulps(VMath.log1p(x), Foundation.log1p(Double(x))))
            let small = x * 1e-3 - 5e-4
            if small > -1 { worst = max(worst, Self.ulps(VMath.log1p(small), Foundation.log1p(Double(small)))) }
        }
        #expect(worst <= 2, "worst \(worst) ulps")
        #expect(VMath.log(0) == -.infinity && VMath.log(-1).isNaN && VMath.log(.infinity) == .infinity)
        #expect(VMath.log1p(-1) == -.infinity && VMath.log1p(-2).isNaN)
    }

    @Test func erfAndErfcWithinTwoUlps() {
        var worst = 0.0
        for x in Self.sweep(from: -9, to: 9) {
            worst = max(worst, Self.ulps(VMath.erf(x), Foundation.erf(Double(x))))
            let want = Foundation.erfc(Double(x))
            // erfc underflows the float range near 9.2; compare where it is normal.
            if want > Double(Float.leastNormalMagnitude) { worst = max(worst, Self.ulps(VMath.erfc(x), want)) }
        }
        #expect(worst <= 2, "worst \(worst) ulps")
    }

    @Test func powWithinTwoUlpsAndItsSpecialCases() {
        var worst = 0.0
        let bases = Self.sweep(from: 0.001, to: 50, count: 400) + [1e-30, 1e30, 0.5, 2, 10]
        let exponents = Self.sweep(from: -8, to: 8, count: 64) + [0.5, -0.5, 1.0 / 3, 20, -20]
        for x in bases {
            for y in exponents {
                let want = Foundation.pow(Double(x), Double(y))
                guard want.isFinite, want > Double(Float.leastNormalMagnitude), want < Double(Float.greatestFiniteMagnitude) else { continue }
                worst = max(worst, Self.ulps(VMath.pow(x, y), want))
            }
        }
        #expect(worst <= 2, "worst \(worst) ulps")
        // C99 Annex F's special cases, as glibc gives them.
        for (x, y) in [(Float(-2), Float(3)), (-2, 2), (-2, 0.5), (0, -1), (-0.0, -3), (0, 2), (-0.0, 3), (.infinity, -1), (-.infinity, 3), (7, 0), (.nan, 0), (1, .nan), (-8, 1.0 / 3)] {
            let want = Float(Foundation.pow(Double(x), Double(y)))
            let got = VMath.pow(x, y)
            #expect((want.isNaN && got.isNaN) || (got == want && got.sign == want.sign), "pow(\(x), \(y)) = \(got), glibc \(want)")
        }
        #expect(IntegerKernels.integerPower(Int32(3), Int32(4)) == 81)
        #expect(IntegerKernels.integerPower(Int64(-1), Int64(-3)) == -1)
        #expect(IntegerKernels.integerPower(Int8(2), Int8(-1)) == 0)
        #expect(IntegerKernels.integerPower(UInt8(3), UInt8(6)) == 217)  // 729 mod 256
    }

    /// The new activations against their definitions computed in double with libm.
    @Test func activationsMatchTheirDefinitions() {
        func check(_ a: Activation, tolerance: Double = 4, _ f: (Double) -> Double) {
            var worst = 0.0
            for x in Self.sweep(from: -12, to: 12, count: 4_000) {
                let want = f(Double(x))
                let got = ReferenceKernels.apply(a, x)
                // Relative to the result, or to 1e-6 absolute near zero crossings.
                let error = abs(Double(got) - want) / max(abs(want), 1e-6 / 1.2e-7 * Double(Float.ulpOfOne))
                worst = max(worst, error / Double(Float.ulpOfOne))
            }
            #expect(worst <= tolerance, "\(a.name): worst \(worst) ulps")
        }
        func softplus(_ x: Double) -> Double { max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x))) }
        check(.elu(alpha: 0.7)) { $0 > 0 ? $0 : 0.7 * Foundation.expm1($0) }
        check(.selu(alpha: 1.6732632, gamma: 1.050701)) { 1.050701 * ($0 > 0 ? $0 : 1.6732632 * Foundation.expm1($0)) }
        check(.gelu(approximate: false)) { 0.5 * $0 * Foundation.erfc(-$0 / 2.0.squareRoot()) }
        // For x ≪ 0 the result is x·sigmoid(2z) with |z| up to ~100: the float rounding of z
        // alone moves it by |2z|·2^-24 relative, about 12 ulps at worst on this sweep.
        check(.gelu(approximate: true), tolerance: 16) { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        check(.swish) { $0 / (1 + Foundation.exp(-$0)) }
        check(.softplus, softplus)
        check(.softsign) { $0 / (1 + abs($0)) }
        check(.hardSwish) { $0 * min(max($0 + 3, 0), 6) / 6 }
        check(.exponential) { Foundation.exp($0) }
        check(.mish, tolerance: 8) { $0 * Foundation.tanh(softplus($0)) }
        check(.errorFunction) { Foundation.erf($0) }
        check(.absolute) { abs($0) }
        check(.negate) { -$0 }
    }
}
