// The device self-test image: reads a package from the host through semihosting,
// decodes it, runs its golden vectors on the portable kernels (what the device runs)
// and prints the verdict. Exit status 0 when they pass.
import VigilRuntime

@_extern(c, "fopen") func fopen(_ path: UnsafePointer<CChar>, _ mode: UnsafePointer<CChar>) -> OpaquePointer?
@_extern(c, "fread") func fread(_ buffer: UnsafeMutableRawPointer, _ size: Int, _ count: Int, _ file: OpaquePointer) -> Int
@_extern(c, "fclose") func fclose(_ file: OpaquePointer) -> Int32

/// The whole file, or nil when it cannot be opened or is larger than `limit` bytes
/// (the image has 256 KiB of RAM).
func readFile(_ path: UnsafePointer<CChar>, limit: Int) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { _ = fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress!, 1, 1024, file) }
        if n <= 0 { return bytes }
        if bytes.count + n > limit { return nil }
        bytes.append(contentsOf: chunk[0..<n])
    }
}

/// picolibc's semihosting crt0 passes the command line: the package path is last.
@_cdecl("main")
func deviceMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    guard argc >= 2, let path = argv[Int(argc) - 1] else {
        print("usage: selftest.elf PACKAGE")
        return 2
    }
    guard let bytes = readFile(path, limit: 96 * 1024) else {
        print("error: cannot read the package (missing, or over 96 KiB)")
        return 2
    }
    let package: ModelPackage
    do {
        package = try ModelPackage.decode(bytes)
    } catch {
        print("error: the package is refused: \(error.message)")
        return 1
    }
    let result = package.selfTest(kernels: PortableKernels.self)
    print(result.summary)
    return result.passed ? 0 : 1
}
