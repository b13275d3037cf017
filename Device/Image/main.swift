// The device image: the runtime and the beat loop compiled as Embedded Swift for the
// Cortex-M4F, the model package linked into model slot A and read there in place.
// QEMU's semihosting passes the command line (picolibc's crt0 puts "program-name"
// before it) and carries the files:
//
//   selftest                 the package's golden vectors on the device's kernels
//   model INPUTS OUTPUTS     one inference per sample of INPUTS (each graph input's
//                            bytes for batch 1, in order), outputs written likewise
//   beats SAMPLES LABELS EVENTS GAIN  the firmware beat loop over int16 ADC samples
//                            at the contract's rate, GAIN ADC units per mV (a decimal);
//                            each label written as three int32 (R-peak sample, class
//                            index, 1 if the model ran, 0 if the gate settled the
//                            beat), each rhythm event (RhythmMonitor) as four (kind,
//                            sample, beats, value)
//   calibrate                checks the instruction clock against a loop of known length
//
// Results are printed as `key value` lines (Device/README.md lists them); instruction
// counts come from the icount clock in device.c and are exact to one tick (40
// instructions). Exit status: 0 done, 1 refused or failed, 2 usage.
import VigilFirmware
import VigilKernelsM4
import VigilRuntime

@_extern(c, "fopen") func fopen(_ path: UnsafePointer<CChar>, _ mode: UnsafePointer<CChar>) -> OpaquePointer?
@_extern(c, "fread") func fread(_ buffer: UnsafeMutableRawPointer, _ size: Int, _ count: Int, _ file: OpaquePointer) -> Int
@_extern(c, "fwrite") func fwrite(_ buffer: UnsafeRawPointer, _ size: Int, _ count: Int, _ file: OpaquePointer) -> Int
@_extern(c, "strcmp") func strcmp(_ a: UnsafePointer<CChar>, _ b: UnsafePointer<UInt8>) -> Int32
@_extern(c, "fclose") func fclose(_ file: OpaquePointer) -> Int32
@_extern(c, "vigil_clock_start") func vigil_clock_start()
@_extern(c, "vigil_clock_ticks") func vigil_clock_ticks() -> UInt64
@_extern(c, "vigil_calibration_loop") func vigil_calibration_loop(_ n: UInt32)
@_extern(c, "vigil_stack_paint") func vigil_stack_paint()
@_extern(c, "vigil_stack_high_water") func vigil_stack_high_water() -> UInt32
@_extern(c, "vigil_model_start") func vigil_model_start() -> UnsafePointer<UInt8>
@_extern(c, "vigil_model_size") func vigil_model_size() -> UInt32

/// The device's kernels: CortexM4Kernels (SXTB16/SMLAD convolution and dense layers,
/// the reference kernels for the rest), only those the build selected
/// (SelectedKernels.swift); an image built with KERNELS=reference (Device/build.sh)
/// runs the reference kernels only, every one linked, to measure what the DSP ones save.
#if VIGIL_REFERENCE_KERNELS
typealias DeviceKernels = PortableKernels
#else
typealias DeviceKernels = SelectedKernels
#endif

/// Refuses a graph that needs a kernel this image does not link (before anything runs).
func kernelsLinked(_ graph: Graph, _ constants: UnsafeRawPointer) -> Bool {
    guard let linked = linkedKernels else { return true }
    let interpreter: Interpreter<DeviceKernels>
    do { interpreter = try Interpreter<DeviceKernels>(graph: graph, batch: 1, constants: constants) } catch {
        print("error: \(error.message)")
        return false
    }
    // Byte comparison: Embedded Swift's String == would need Unicode normalization data.
    for name in interpreter.kernelNames where !linked.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
        print("error: the package needs the \(name) kernel, which this image does not link")
        return false
    }
    return true
}

/// One `key value` result line (one function for them all keeps the image small).
@inline(never)
func report(_ key: StaticString, _ value: UInt64) {
    print(String(decoding: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount), as: UTF8.self) + " " + String(value))
}

@inline(never)
func report(_ key: StaticString, _ value: Int) { report(key, UInt64(value)) }

/// QEMU's instruction clock as the interpreter's profiling clock.
enum InstructionClock: TickSource {
    static func now() -> UInt64 { vigil_clock_ticks() }
    /// Ticks of the 25 MHz SysTick; with `-icount shift=0`, 40 instructions each.
    static var ticksPerSecond: UInt64 { 25_000_000 }
    static let instructionsPerTick: UInt64 = 40
}

/// The package in model slot A, verified and decoded, and where its constants lie.
func slotPackage() -> (package: ModelPackage, constants: UnsafeRawPointer, bytes: UnsafeRawBufferPointer)? {
    let bytes = UnsafeRawBufferPointer(start: vigil_model_start(), count: Int(vigil_model_size()))
    do {
        let package = try ModelPackage.decode(bytes)
        let range = try ModelPackage.layout(of: bytes).range(of: .constants)!
        report("package_bytes", bytes.count)
        let constants = bytes.baseAddress! + range.lowerBound
        return kernelsLinked(package.graph, constants) ? (package, constants, bytes) : nil
    } catch {
        print("error: the package in the model slot is refused: \(error.message)")
        return nil
    }
}

func selfTest() -> Int32 {
    guard let slot = slotPackage() else { return 1 }
    let result = slot.package.selfTest(kernels: DeviceKernels.self, constants: slot.constants)
    print("selftest " + result.summary)
    return result.passed ? 0 : 1
}

/// Reads exactly `count` bytes; false at a clean end of file (nothing read), and
/// `truncated` set when the file ends inside the item.
func readExactly(_ file: OpaquePointer, _ target: UnsafeMutableRawBufferPointer, truncated: inout Bool) -> Bool {
    var done = 0
    while done < target.count {
        let n = fread(target.baseAddress! + done, 1, target.count - done, file)
        if n <= 0 { truncated = done > 0; return false }
        done += n
    }
    return true
}

func runModel<Kernels: KernelSet>(_ inputPath: UnsafePointer<CChar>, _ outputPath: UnsafePointer<CChar>, _ kernels: Kernels.Type) -> Int32 {
    guard let slot = slotPackage() else { return 1 }
    let interpreter: Interpreter<Kernels>
    do { interpreter = try Interpreter<Kernels>(graph: slot.package.graph, batch: 1, constants: slot.constants) } catch {
        print("error: \(error.message)")
        return 1
    }
    guard let input = fopen(inputPath, "rb") else { print("error: cannot open the inputs"); return 2 }
    defer { _ = fclose(input) }
    guard let output = fopen(outputPath, "wb") else { print("error: cannot create the outputs file"); return 2 }
    defer { _ = fclose(output) }
    let graph = interpreter.graph
    var nodeTicks = [UInt64](repeating: 0, count: graph.nodes.count)
    var inferences = 0, total: UInt64 = 0, most: UInt64 = 0, least = UInt64.max
    samples: while true {
        var truncated = false
        for i in 0..<graph.inputs.count where !readExactly(input, interpreter.inputBytes(i), truncated: &truncated) {
            if truncated || i > 0 { print("error: the inputs end inside sample \(inferences)"); return 1 }
            break samples
        }
        // Once per op (the clock read around each step adds its own instructions,
        // reported as clock_call_instructions), once whole.
        interpreter.invoke(profilingWith: InstructionClock.self, into: &nodeTicks)
        let start = vigil_clock_ticks()
        interpreter.invoke()
        let ticks = vigil_clock_ticks() &- start
        total &+= ticks; most = max(most, ticks); least = min(least, ticks)
        inferences += 1
        for i in 0..<graph.outputs.count {
            let bytes = interpreter.outputBytes(i)
            if fwrite(bytes.baseAddress!, 1, bytes.count, output) != bytes.count { print("error: cannot write the outputs"); return 1 }
        }
    }
    let k = InstructionClock.instructionsPerTick
    report("inferences", inferences)
    report("arena_bytes", interpreter.plan.arenaBytes)
    if inferences > 0 {
        report("instructions_per_inference", total * k / UInt64(inferences))
        report("instructions_per_inference_min", least * k)
        report("instructions_per_inference_max", most * k)
        for (node, ticks) in nodeTicks.enumerated() {
            print("node_instructions " + String(node) + " " + String(ticks * k / UInt64(inferences)))
        }
    }
    return 0
}

/// A decimal such as "204.8" as the Float nearest to it (at most 7 digits after the
/// point, so that the division is the only rounding), or nil.
func parseDecimal(_ text: UnsafePointer<CChar>) -> Float? {
    var mantissa: Int32 = 0, scale: Int32 = 1, digits = 0, afterPoint = false, i = 0
    while text[i] != 0 {
        let c = text[i]
        i += 1
        if c == 46 /* . */ { if afterPoint { return nil }; afterPoint = true; continue }
        guard c >= 48 && c <= 57, digits < 9, !(afterPoint && scale >= 10_000_000) else { return nil }
        mantissa = mantissa * 10 + Int32(c - 48)
        digits += 1
        if afterPoint { scale *= 10 }
    }
    return digits > 0 && mantissa > 0 ? Float(mantissa) / Float(scale) : nil
}

func runBeats(_ samplesPath: UnsafePointer<CChar>, _ labelsPath: UnsafePointer<CChar>, _ eventsPath: UnsafePointer<CChar>, _ gainText: UnsafePointer<CChar>) -> Int32 {
    guard let gain = parseDecimal(gainText) else { print("error: the ADC gain must be a positive decimal"); return 2 }
    guard slotPackage() != nil else { return 1 }
    let bytes = UnsafeRawBufferPointer(start: vigil_model_start(), count: Int(vigil_model_size()))
    let loop: BeatLoop<DeviceKernels>
    do { loop = try BeatLoop<DeviceKernels>(packageBytes: bytes, inPlace: true) } catch {
        print("error: the beat loop refuses the package: \(error.message)")
        return 1
    }
    guard let input = fopen(samplesPath, "rb") else { print("error: cannot open the samples"); return 2 }
    defer { _ = fclose(input) }
    guard let output = fopen(labelsPath, "wb") else { print("error: cannot create the labels file"); return 2 }
    defer { _ = fclose(output) }
    guard let eventsFile = fopen(eventsPath, "wb") else { print("error: cannot create the events file"); return 2 }
    defer { _ = fclose(eventsFile) }
    var rhythm = RhythmMonitor(sampleRate: loop.contract.sampleRate, classes: loop.contract.classes)
    var events = 0
    func log(_ e: RhythmEvent) {
        var record: (Int32, Int32, Int32, Int32) = (Int32(e.kind.rawValue), Int32(truncatingIfNeeded: e.sample), Int32(e.beats), Int32(e.value))
        _ = withUnsafeBytes(of: &record) { fwrite($0.baseAddress!, 4, 4, eventsFile) }
        events += 1
    }
    let unit = 1 / gain
    var chunk = [Int16](repeating: 0, count: 256)
    var samples = 0, beats = 0, settled = 0
    var sampleTicks: UInt64 = 0, beatTicks: UInt64 = 0, worstBeat: UInt64 = 0, settledTicks: UInt64 = 0
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress!, 2, 256, input) }
        if n <= 0 { break }
        for j in 0..<n {
            let start = vigil_clock_ticks()
            let label = loop.process(millivolts: Float(chunk[j]) * unit)
            let ticks = vigil_clock_ticks() &- start
            samples += 1
            guard let label else { sampleTicks &+= ticks; continue }
            beats += 1
            if label.inferred {
                beatTicks &+= ticks
                worstBeat = max(worstBeat, ticks)
            } else {
                settled += 1
                settledTicks &+= ticks
            }
            var record: (Int32, Int32, Int32) = (Int32(truncatingIfNeeded: label.sample), Int32(label.classIndex), label.inferred ? 1 : 0)
            if withUnsafeBytes(of: &record, { fwrite($0.baseAddress!, 4, 3, output) }) != 3 { print("error: cannot write the labels"); return 1 }
            rhythm.process(label, emit: log)
        }
    }
    let k = InstructionClock.instructionsPerTick
    rhythm.finish(emit: log)
    report("events", events)
    report("samples", samples)
    report("beats", beats)
    report("arena_bytes", loop.interpreter.plan.arenaBytes)
    if samples > beats { report("signal_instructions_per_sample_x1000", sampleTicks * k * 1000 / UInt64(samples - beats)) }
    // Beats the model ran on; beats the contract's gate settled are counted apart.
    report("settled_beats", settled)
    if beats > settled {
        report("beat_instructions_mean", beatTicks * k / UInt64(beats - settled))
        report("beat_instructions_max", worstBeat * k)
    }
    if settled > 0 { report("settled_instructions_mean", settledTicks * k / UInt64(settled)) }
    return 0
}

func calibrate() -> Int32 {
    let n: UInt32 = 5_000_000
    let start = vigil_clock_ticks()
    vigil_calibration_loop(n)
    let ticks = vigil_clock_ticks() &- start
    var overhead: UInt64 = 0
    for _ in 0..<1000 { let a = vigil_clock_ticks(); overhead &+= vigil_clock_ticks() &- a }
    report("calibration_loop_instructions", 2 * UInt64(n) + 2)
    report("calibration_loop_ticks", ticks)
    report("clock_call_instructions_x1000", overhead * InstructionClock.instructionsPerTick)
    return 0
}

let usage = "usage: vigil-device.elf selftest | model INPUTS OUTPUTS | beats SAMPLES LABELS EVENTS GAIN | calibrate"

@_cdecl("main")
func deviceMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    vigil_stack_paint()
    vigil_clock_start()
    func argument(_ i: Int) -> UnsafePointer<CChar>? { i < Int(argc) ? UnsafePointer(argv[i]) : nil }
    guard let mode = argument(1) else {
        print(usage)
        return 2
    }
    func named(_ text: StaticString) -> Bool { strcmp(mode, text.utf8Start) == 0 }
    let status: Int32
    if named("selftest") && argc == 2 {
        status = selfTest()
    } else if named("model"), argc == 4, let inputs = argument(2), let outputs = argument(3) {
        status = runModel(inputs, outputs, DeviceKernels.self)
    } else if named("beats"), argc == 6, let samples = argument(2), let labels = argument(3), let events = argument(4), let gain = argument(5) {
        status = runBeats(samples, labels, events, gain)
    } else if named("calibrate") && argc == 2 {
        status = calibrate()
    } else {
        print(usage)
        return 2
    }
    report("stack_high_water_bytes", UInt64(vigil_stack_high_water()))
    return status
}
