import CAllocationCounter
import Dispatch
import VigilKernels
import VigilRuntime
import VigilReferenceModel
import VigilSignalCore

/// Latency, throughput and allocation measurements shared by `vigil bench` and `vigil demo`.
enum Measure {
    struct Latency {
        var p50: Double
        var p99: Double
        var runs: Int
    }

    /// Times `runs` single invocations after `warmup` untimed ones; microseconds.
    static func latency(runs: Int, warmup: Int, _ body: () -> Void) -> Latency {
        for _ in 0..<warmup { body() }
        var samples = [Double](repeating: 0, count: runs)
        for i in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples[i] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
        }
        samples.sort()
        return Latency(p50: percentile(samples, 0.50), p99: percentile(samples, 0.99), runs: runs)
    }

    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        if sorted.isEmpty { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))
        return sorted[index]
    }

    /// Samples per second of a batch runner over at least `seconds` of work.
    static func throughput(_ runner: BatchRunner, seconds: Double) -> Double {
        runner.invoke()
        var batches = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed: Double = 0
        repeat {
            runner.invoke()
            batches += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(batches * runner.batch) / elapsed
    }

    /// Heap allocations per call of `body`, over `runs` calls.
    static func allocationsPerCall(runs: Int, _ body: () -> Void) -> Double {
        body()
        let before = vigil_allocation_count()
        for _ in 0..<runs { body() }
        let after = vigil_allocation_count()
        return Double(after - before) / Double(runs)
    }
}
