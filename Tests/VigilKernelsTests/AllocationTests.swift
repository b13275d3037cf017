import CAllocationCounter
import Testing
import VigilKernels
import VigilRuntime
import VigilReferenceModel
import VigilTestSupport

/// `invoke()` allocates nothing, counted by `CAllocationCounter`, which interposes
/// malloc, calloc, realloc and the memalign family for the whole process.
///
/// Swift Testing runs other tests concurrently in this process, and their allocations
/// would land in the same counter. The measurement therefore runs in an exit test: a
/// child process that runs only this body, and reports its counts on standard output.
/// Within it, each count is still the least of a few windows, in case a runtime thread
/// allocates at an unlucky moment: an `invoke` that allocates does so in every window
/// (≥ 100 per window of 100 invokes), so the least would not be 0.
struct AllocationTests {
    static let invokes = 100

    /// Allocations while `body` runs.
    static func allocations(during body: () -> Void) -> UInt64 {
        let before = vigil_allocation_count()
        body()
        return vigil_allocation_count() &- before
    }

    /// The least count over up to `attempts` windows.
    static func quietest(attempts: Int = 3, _ body: () -> Void) -> UInt64 {
        var least = UInt64.max
        for _ in 0..<attempts where least > 0 {
            least = min(least, allocations(during: body))
        }
        return least
    }

    static func prepared<K: KernelSet>(_ kernels: K.Type, batch: Int) throws -> Interpreter<K> {
        let interpreter = try Interpreter<K>(graph: ReferenceModel.arrhythmia(), batch: batch)
        var rng = SplitMix64(seed: 3)
        for i in 0..<interpreter.graph.inputs.count {
            let input = interpreter.input(i)
            for j in 0..<input.count { input[j] = 2 * rng.nextUnit() - 1 }
        }
        // The first call may instantiate runtime metadata (a one-time cost, not invoke's).
        interpreter.invoke()
        return interpreter
    }

    /// Runs in the child process: "name count" per line.
    static func measureAll() throws -> String {
        var lines: [String] = []
        // Sanity: the counter moves when Swift allocates (one 1000-element array per
        // iteration, kept alive until the end of the window).
        var sink = 0
        let arrays = allocations {
            for i in 0..<10 {
                let array = [Int](repeating: i, count: 1000)
                sink &+= array.reduce(0, &+)
            }
        }
        lines.append("arrays \(arrays) \(sink)")
        // Control: the same measurement sees an invoke loop that also allocates.
        let control = try prepared(PortableKernels.self, batch: 1)
        let leaky = quietest {
            for _ in 0..<invokes {
                control.invoke()
                let scratch = [Float](repeating: 0, count: 64)
                sink &+= scratch.count
            }
        }
        lines.append("leaky-invoke \(leaky)")

        let portable = try prepared(PortableKernels.self, batch: 1)
        lines.append("portable-1 \(quietest { for _ in 0..<invokes { portable.invoke() } })")
        let host = try prepared(HostKernels.self, batch: 1)
        lines.append("host-1 \(quietest { for _ in 0..<invokes { host.invoke() } })")
        let host4 = try prepared(HostKernels.self, batch: 4)
        lines.append("host-4 \(quietest { for _ in 0..<invokes { host4.invoke() } })")
        return lines.joined(separator: "\n")
    }

    /// Parses the child's report into name → count.
    static func parse(_ bytes: [UInt8]) -> [String: UInt64] {
        var counts: [String: UInt64] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let n = UInt64(fields[1]) { counts[String(fields[0])] = n }
        }
        return counts
    }

    @Test func invokeAllocatesNothing() async throws {
        let result = try #require(await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            print(try AllocationTests.measureAll())
        })
        let counts = Self.parse(result.standardOutputContent)
        let report = String(decoding: result.standardOutputContent, as: UTF8.self)
        // The counter works in the test process: ten arrays are at least ten allocations.
        #expect((counts["arrays"] ?? 0) >= 10, "\(report)")
        // And the method would catch an invoke loop that allocates once per invoke.
        #expect((counts["leaky-invoke"] ?? 0) >= UInt64(Self.invokes), "\(report)")
        for name in ["portable-1", "host-1", "host-4"] {
            #expect(counts[name] == 0, "\(name): \(Self.invokes) invokes allocated \(counts[name].map(String.init) ?? "?") times\n\(report)")
        }
    }

    /// In this process too (where other tests may add to the count, never subtract),
    /// creating an array moves the counter.
    @Test func counterMovesWhenAllocating() {
        var sink = 0
        let n = Self.allocations {
            let array = [Int](repeating: 1, count: 1000)
            sink = array.reduce(0, +)
        }
        #expect(n >= 1)
        #expect(sink == 1000)
    }
}
