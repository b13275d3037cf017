import ArgumentParser
import VigilImport
import VigilKernels
import VigilQuantize
import VigilRuntime
import VigilReferenceModel

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure batch-1 latency, batch throughput, arena bytes and allocations per invoke.",
        discussion: "Without a package, runs the DESIGN §11 reference architecture built in code.")

    @Argument(help: "A package or a .tflite file to benchmark (default: the reference architecture built in code).")
    var package: String?

    @Flag(help: "Benchmark the int8 DESIGN §11 model (the tflite fixture) when no path is given.")
    var int8 = false

    @Option(help: "Threads for the batch throughput run (default: all cores).")
    var threads: Int = System.processorCount

    @Option(help: "Batch size of the throughput run.")
    var batch: Int = 256

    @Option(help: "Timed batch-1 invocations.")
    var runs: Int = 20000

    @Option(help: "Seconds of batch throughput measurement.")
    var seconds: Double = 2

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Also print the time and MACs of each op at batch 1.")
    var profile = false

    @Flag(help: "Compare the SIMD tiles with OpenBLAS sgemm on dense layers of growing size, then stop.")
    var compareBlas = false

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if runs < 10 { throw ValidationError("--runs must be at least 10, got \(runs)") }
        if !(seconds > 0) { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        if compareBlas {
            BLASComparison.run()
            return
        }
        let graph: Graph
        let name: String
        if let package, package.hasSuffix(".tflite") {
            do { graph = try TFLiteImporter.importModel(atPath: package).graph } catch { throw CLIError(error.description) }
            name = package.split(separator: "/").last.map(String.init) ?? package
        } else if package == nil && int8 {
            let path = "Tests/VigilImportTests/Fixtures/tflite/design_int8.tflite"
            do { graph = try TFLiteImporter.importModel(atPath: path).graph } catch { throw CLIError("\(path): \(error.description)") }
            name = "reference arrhythmia int8 (DESIGN §11, \(path))"
        } else if let package {
            let loaded = try PackageFiles.read(package)
            graph = loaded.graph
            name = loaded.manifest.name
        } else {
            do { graph = try GraphBuilder.validatedReference() } catch { throw CLIError(error.message) }
            name = "reference arrhythmia (DESIGN §11)"
        }

        let host: Interpreter<HostKernels>
        let portable: Interpreter<PortableKernels>
        let runner: BatchRunner
        do {
            host = try Interpreter<HostKernels>(graph: graph, batch: 1)
            portable = try Interpreter<PortableKernels>(graph: graph, batch: 1)
            runner = try BatchRunner(graph: graph, batch: batch, threads: threads)
        } catch {
            throw CLIError(error.message)
        }
        SampleInputs.fill(host)
        SampleInputs.fill(portable)
        for worker in runner.workers { SampleInputs.fill(worker) }

        let latency = Measure.latency(runs: runs, warmup: runs / 10) { host.invoke() }
        let reference = Measure.latency(runs: max(10, runs / 50), warmup: 10) { portable.invoke() }
        let allocations = Measure.allocationsPerCall(runs: 1000) { host.invoke() }
        let throughput = Measure.throughput(runner, seconds: seconds)
        let macs = host.plan.totalMACs

        if json {
            print("""
            {"model": \(JSON.string(name)), "macs": \(macs), "p50_us": \(format(latency.p50, 3)), "p99_us": \(format(latency.p99, 3)), \
            "reference_kernels_p50_us": \(format(reference.p50, 3)), "throughput_per_s": \(format(throughput, 0)), \
            "batch": \(batch), "threads": \(runner.workers.count), "arena_bytes": \(host.plan.arenaBytes), \
            "constant_bytes": \(host.plan.constantBytes), "allocations_per_invoke": \(format(allocations, 3))}
            """)
        } else {
            print("model: \(name), \(macs) MACs per sample")
            print("batch-1 latency, 1 thread: p50 \(format(latency.p50, 2)) µs, p99 \(format(latency.p99, 2)) µs (\(latency.runs) runs)")
            print("  portable reference kernels: p50 \(format(reference.p50, 2)) µs (host kernels \(format(reference.p50 / latency.p50, 1))× faster)")
            print("  \(format(Double(macs) / latency.p50 / 1000, 1)) GMAC/s")
            print("throughput, batch \(batch) on \(runner.workers.count) thread(s): \(format(throughput, 0)) samples/s")
            print("arena: \(host.plan.arenaBytes) bytes at batch 1; constants: \(host.plan.constantBytes) bytes")
            print("heap allocations per invoke: \(format(allocations, 3))")
        }
        if profile { Profile.printTable(host, runs: max(100, runs / 10)) }
    }
}

extension GraphBuilder {
    static func validatedReference() throws(GraphError) -> Graph {
        try ReferenceModel.arrhythmia().validated().optimized()
    }
}
