// libFuzzer harness: the package reader. A mutated whole package almost always fails
// its SHA-256 digests before anything is parsed (as it must), so the first byte picks
// what the rest of the input is: 0, a whole package (structure, digests, then the
// sections); 1, a graph section (decoded against 4 KiB of constants, validated,
// planned and compiled for the portable kernels a device runs); 2, an input contract
// section. Seeds of each kind: Fuzz/make_corpus.sh. Built by Fuzz/run.sh.
import VigilRuntime
import CFuzzDriver

@_cdecl("FuzzPackage_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

let constants = [UInt8](repeating: 0, count: 4096)

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0:
        guard let package = try? ModelPackage.decode(rest) else { return 0 }
        plan(package.graph)
    case 1:
        guard let graph = try? Graph.decode(rest, constants: constants) else { return 0 }
        plan(graph)
    default:
        _ = try? InputContract.decode(rest)
    }
    return 0
}

func plan(_ graph: Graph) {
    guard let graph = try? graph.validated() else { return }
    _ = try? Interpreter<PortableKernels>(graph: graph, batch: 1, arenaBudget: 1 << 24)
}
