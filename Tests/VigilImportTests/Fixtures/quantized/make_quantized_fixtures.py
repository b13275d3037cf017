#!/usr/bin/env python3
"""ONNX Runtime's quantizer applied to the issue #10 families: the QDQ and QOperator
formats, int8 and uint8 activations, int8 per-channel weights, calibrated on the first
100 beats of Models/arrhythmia/calibration.npz. Plus small onnx.helper models for the
QOperator ops the quantizer does not write for these families (QLinearMatMul,
MatMulInteger).

Writes, per case NAME:
    NAME.onnx   the quantized model
    NAME.npz    input_0[, input_1]: the first 64 validation beats;
                reference_0: ONNX Runtime with graph optimizations off (each node as
                the ONNX definition computes it);
                ort_0: ONNX Runtime with its default optimizations (its int8 kernels)

Regenerate (pinned versions in ../onnx/requirements.txt):

    python Tests/VigilImportTests/Fixtures/quantized/make_quantized_fixtures.py
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
FAMILIES = os.path.join(HERE, "..", "families")
DATA = os.path.join(ROOT, "Models", "arrhythmia")
SAMPLES = 32

# name: (family, format, activation type)
CASES = {
    "bn_after_act_qdq_int8": ("bn_after_act", QuantFormat.QDQ, QuantType.QInt8),
    "rr_norm_qdq_uint8": ("rr_norm", QuantFormat.QDQ, QuantType.QUInt8),
    "residual_qdq_int8": ("residual", QuantFormat.QDQ, QuantType.QInt8),
    "transformer_qdq_int8": ("transformer", QuantFormat.QDQ, QuantType.QInt8),
    "bn_after_act_qop_int8": ("bn_after_act", QuantFormat.QOperator, QuantType.QInt8),
    "residual_qop_uint8": ("residual", QuantFormat.QOperator, QuantType.QUInt8),
    "rr_norm_qop_int8": ("rr_norm", QuantFormat.QOperator, QuantType.QInt8),
}


class Reader(CalibrationDataReader):
    def __init__(self, names, arrays):
        self.names, self.arrays, self.i = names, arrays, 0

    def get_next(self):
        if self.i >= 100:
            return None
        feed = {n: a[self.i:self.i + 1] for n, a in zip(self.names, self.arrays)}
        self.i += 1
        return feed


def run(path, inputs, optimized):
    options = ort.SessionOptions()
    if not optimized:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    return np.asarray(session.run(None, feed)[0], dtype=np.float32)


def write(name, path, inputs):
    arrays = {f"input_{i}": x for i, x in enumerate(inputs)}
    arrays["reference_0"] = run(path, inputs, optimized=False)
    arrays["ort_0"] = run(path, inputs, optimized=True)
    np.savez(os.path.join(HERE, name + ".npz"), **arrays)
    diff = np.abs(arrays["reference_0"] - arrays["ort_0"]).max()
    print(name, "written; ORT optimized vs reference max difference", diff)


def family_case(name, family, fmt, activations):
    cal = np.load(os.path.join(DATA, "calibration.npz"))
    val = np.load(os.path.join(DATA, "validation.npz"))
    src = os.path.join(FAMILIES, family + ".onnx")
    names = [i.name for i in onnx.load(src).graph.input]
    pre = os.path.join(HERE, name + ".pre.onnx")
    quant_pre_process(src, pre, skip_symbolic_shape=True)
    out = os.path.join(HERE, name + ".onnx")
    quantize_static(pre, out, Reader(names, [cal["input_0"], cal["input_1"]][:len(names)]), quant_format=fmt,
                    activation_type=activations, weight_type=QuantType.QInt8, per_channel=True)
    os.remove(pre)
    write(name, out, [val["input_0"][:SAMPLES], val["input_1"][:SAMPLES]][:len(names)])


def matmul_case():
    """x [N, 16] float → QuantizeLinear (uint8) → QLinearMatMul by int8 W → 
    DequantizeLinear; and the same x → QuantizeLinear (int8) → MatMulInteger by int8 W2
    with zero points → Cast to float → Mul by the scales; both concatenated."""
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, (16, 8), dtype=np.int8)
    w2 = rng.integers(-127, 128, (16, 4), dtype=np.int8)
    init = [
        numpy_helper.from_array(np.array(0.05, np.float32), "xs"),
        numpy_helper.from_array(np.array(131, np.uint8), "xz"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(np.array(0.01, np.float32), "ws"),
        numpy_helper.from_array(np.array(0, np.int8), "wz"),
        numpy_helper.from_array(np.array(0.2, np.float32), "ys"),
        numpy_helper.from_array(np.array(120, np.uint8), "yz"),
        numpy_helper.from_array(np.array(0.04, np.float32), "x2s"),
        numpy_helper.from_array(np.array(-3, np.int8), "x2z"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(np.array([1, -2, 0, 5], np.int8), "w2z"),
        numpy_helper.from_array(np.array(0.04 * 0.02, np.float32), "mscale"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="quantize"),
        helper.make_node("QLinearMatMul", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["yq"], name="qlinear_matmul"),
        helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y1"], name="dequantize"),
        helper.make_node("QuantizeLinear", ["x", "x2s", "x2z"], ["x2q"], name="quantize2"),
        helper.make_node("MatMulInteger", ["x2q", "w2", "x2z", "w2z"], ["acc"], name="matmul_integer"),
        helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT, name="cast"),
        helper.make_node("Mul", ["accf", "mscale"], ["y2"], name="rescale"),
        helper.make_node("Concat", ["y1", "y2"], ["y"], axis=1, name="concat"),
    ]
    graph = helper.make_graph(nodes, "qoperator_matmul", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 12])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_quantized_fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(HERE, "qoperator_matmul.onnx")
    onnx.save(model, path)
    x = rng.normal(0, 2, (SAMPLES, 16)).astype(np.float32)
    write("qoperator_matmul", path, [x])


def main():
    # With case names as arguments, only those are regenerated.
    only = set(sys.argv[1:])
    for name, (family, fmt, activations) in CASES.items():
        if not only or name in only:
            family_case(name, family, fmt, activations)
    if not only or "qoperator_matmul" in only:
        matmul_case()


if __name__ == "__main__":
    main()
