import Foundation
import VigilKernelsM4
import VigilRuntime

/// Why a run on the emulated device failed.
public struct DeviceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Section sizes of a device image, from `arm-none-eabi-size -A`.
public struct ImageFootprint: Sendable, Equatable {
    public var text = 0, rodata = 0, data = 0, bss = 0, model = 0
    /// Flash the firmware takes: code, read-only data and the initial values of `.data`.
    public var firmwareFlash: Int { text + rodata + data }

    /// Parses `arm-none-eabi-size -A` output (`.init` and `.ARM.exidx` count as text,
    /// thread-local sections as data and bss).
    public init(sizeOutput: String) {
        for line in sizeOutput.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let size = Int(fields[1]) else { continue }
            switch fields[0] {
            case ".init", ".text", ".ARM.exidx": text += size
            case ".rodata": rodata += size
            case ".data", ".tdata": data += size
            case ".bss", ".tbss": bss += size
            case ".model": model += size
            default: break
            }
        }
    }
}

/// What one run of the device image printed: `key value` lines (Device/Image/main.swift),
/// and per-node instruction counts.
public struct DeviceReport: Sendable {
    public var values: [String: String] = [:]
    public var nodeInstructions: [Int: Int] = [:]
    public var status: Int32 = 0
    /// Lines that are not `key value` results (messages, errors).
    public var messages: [String] = []

    public init(output: String, status: Int32) {
        self.status = status
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ")
            if fields.count == 3, fields[0] == "node_instructions", let node = Int(fields[1]), let count = Int(fields[2]) {
                nodeInstructions[node] = count
            } else if fields.count == 2, fields[0].allSatisfy({ $0.isLowercase || $0 == "_" || $0.isNumber }), Int(fields[1]) != nil {
                values[String(fields[0])] = String(fields[1])
            } else {
                messages.append(String(line))
            }
        }
    }

    public func integer(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
}

/// The emulated Cortex-M4F: builds the device image for a package (Device/build.sh,
/// Embedded Swift, ld.lld, picolibc) and runs it on QEMU's mps2-an386 with the
/// instruction clock (Device/run.sh).
public struct EmulatedDevice: Sendable {
    /// The repository checkout that holds `Device/`.
    public let root: URL
    /// Where images and exchange files go.
    public let workDirectory: URL

    /// Finds the checkout from the current directory or the executable's, upwards.
    public init(workDirectory: URL? = nil) throws(DeviceError) {
        let starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                      URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()]
        for start in starts {
            var dir = start.standardizedFileURL
            while dir.path != "/" {
                if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("Device/build.sh").path) {
                    root = dir
                    self.workDirectory = workDirectory ?? dir.appendingPathComponent(".build-device/runs")
                    return
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        throw DeviceError("the device build (Device/build.sh) is not found above the current directory or the vigil executable; run from a Vigil checkout")
    }

    /// Runs a program, returning its status and standard output; standard error is
    /// folded into the output.
    static func execute(_ executable: String, _ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws(DeviceError) -> (status: Int32, output: String) {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { throw DeviceError("cannot start \(executable): \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Builds the image for the package at `packagePath`; returns its path and footprint.
    /// - Parameters:
    ///   - kernels: the `KernelSet` requirements to link (`Interpreter.kernelNames` of
    ///     the package's graph); nil links every one.
    ///   - referenceKernels: an image that runs the reference kernels only, every one
    ///     linked, to compare with the device kernels (`CortexM4Kernels`).
    public func buildImage(package packagePath: String, kernels: [String]? = nil, referenceKernels: Bool = false) throws(DeviceError) -> (image: URL, footprint: ImageFootprint) {
        do { try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true) } catch {
            throw DeviceError("cannot create \(workDirectory.path): \(error.localizedDescription)")
        }
        let image = workDirectory.appendingPathComponent("vigil-device-\(ProcessInfo.processInfo.processIdentifier).elf")
        let package = URL(fileURLWithPath: packagePath).standardizedFileURL.path
        let built = try Self.execute(root.appendingPathComponent("Device/build.sh").path, [package, image.path], in: root,
                                     environment: ["KERNELS": referenceKernels ? "reference" : "dsp", "LINK": kernels?.joined(separator: " ") ?? "all"])
        if built.status != 0 { throw DeviceError("the device image did not build:\n\(built.output)") }
        let size = try Self.execute("arm-none-eabi-size", ["-A", image.path], in: root)
        if size.status != 0 { throw DeviceError("arm-none-eabi-size failed: \(size.output)") }
        return (image, ImageFootprint(sizeOutput: size.output))
    }

    /// The kernels a device image must link to run `graph` (batch 1, the device's
    /// kernel set), for `buildImage(package:kernels:)`.
    public static func kernels(for graph: Graph) throws(DeviceError) -> [String] {
        do { return try Interpreter<CortexM4Kernels>(graph: graph, batch: 1).kernelNames } catch { throw DeviceError(error.message) }
    }

    /// Runs the image in QEMU; arguments must not hold commas (semihosting's limit).
    public func run(image: URL, _ arguments: [String]) throws(DeviceError) -> DeviceReport {
        let result = try Self.execute(root.appendingPathComponent("Device/run.sh").path, [image.path] + arguments, in: root)
        if result.status == 124 { throw DeviceError("the emulator ran over its time limit") }
        return DeviceReport(output: result.output, status: result.status)
    }

    /// A file for exchanging data with the image (removed by the caller).
    public func exchangeFile(_ name: String) -> URL {
        workDirectory.appendingPathComponent("\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }
}
