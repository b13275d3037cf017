import Dispatch
import VigilRuntime

/// Runs a large batch on several cores: the batch is split into one slice per thread,
/// and each slice has its own interpreter and arena, so threads share nothing but
/// the read-only constants.
public final class BatchRunner: @unchecked Sendable {
    public let batch: Int
    public let workers: [Interpreter<HostKernels>]

    public init(graph: Graph, batch: Int, threads: Int) throws(GraphError) {
        if batch < 1 { throw .invalidBatchSize(batch) }
        BLAS.useSingleThread()
        let count = max(1, min(threads, batch))
        var workers: [Interpreter<HostKernels>] = []
        var start = 0
        for t in 0..<count {
            let slice = batch / count + (t < batch % count ? 1 : 0)
            workers.append(try Interpreter<HostKernels>(graph: graph, batch: slice))
            start += slice
        }
        self.batch = batch
        self.workers = workers
    }

    /// Runs every slice; returns when all are done.
    public func invoke() {
        if workers.count == 1 {
            workers[0].invoke()
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers.count) { i in
            workers[i].invoke()
        }
    }
}

/// Monotonic nanoseconds for per-op profiling on the host.
public enum HostClock: TickSource {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    public static var ticksPerSecond: UInt64 { 1_000_000_000 }
}
