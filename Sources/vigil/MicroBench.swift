import Dispatch
import VigilKernels
import VigilRuntime

enum MicroBench {
    static func run() {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: 256 * 64)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: 256 * 64)
        for i in 0..<(256 * 64) { x[i] = Float(i % 13) }
        let p = Pool1DParameters(batch: 1, inLength: 256, channels: 16, outLength: 128, poolSize: 2, stride: 2, padLeft: 0)
        let n = 100_000
        let a = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { HostKernels.maxPool1D(p, input: x, output: y) }
        let b = DispatchTime.now().uptimeNanoseconds
        print("maxpool ns:", Double(b - a) / Double(n))
    }
}
