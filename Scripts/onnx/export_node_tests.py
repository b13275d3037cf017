"""Exports the ONNX backend node tests of the ops Vigil imports.

    python Scripts/onnx/export_node_tests.py OUT_DIR
    VIGIL_ONNX_NODE_TESTS=OUT_DIR swift test --filter ONNXNodeConformanceTests

For every case of onnx.backend.test.case.node.collect_testcases whose graph uses only
supported ops, it writes OUT_DIR/<case>/model.onnx and OUT_DIR/<case>/data.json:

    {"rtol": 1e-3, "atol": 1e-7,
     "inputs":  [{"name": ..., "shape": [...], "data": [...]}, ...],
     "outputs": [{"name": ..., "shape": [...], "data": [...]}, ...]}

Data is in ONNX's axis order; non-finite values are the strings "nan", "inf", "-inf";
integer and boolean data is written as floats. Only the first data set of a case is
used. Tolerances are the case's own (ONNX's defaults are rtol 1e-3, atol 1e-7).

Vigil graphs take float run-time inputs and constant weights, shapes and axes, so the
export bakes inputs into initializers (the values the test feeds them): every non-float
input, and every input after the first, except the operands of Concat and of
elementwise Add/Sub/Mul/Div whose shapes all agree (those stay run-time inputs).
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

warnings.filterwarnings("ignore")

SUPPORTED = {
    "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv",
    "Div", "Dropout", "Expand", "Flatten", "GRU", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool",
    "HardSigmoid", "Identity", "LSTM", "LeakyRelu", "MatMul", "MaxPool", "Mul", "Relu", "Reshape",
    "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze",
}
ELEMENTWISE = {"Add", "Sub", "Mul", "Div"}


def encode(array):
    try:
        a = np.asarray(array)
        if a.dtype == object or a.dtype.kind in "SUOV":
            return None
        a = a.astype(np.float64)
    except Exception:  # noqa: BLE001 - exotic element types
        return None
    values = []
    for x in a.ravel():
        values.append("nan" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else float(x))))
    return values


def main(out_dir):
    from onnx.backend.test.case.node import collect_testcases

    os.makedirs(out_dir, exist_ok=True)
    written = 0
    skipped_data = []
    for case in collect_testcases(None):
        model = case.model
        graph = model.graph
        if not graph.node or any(n.op_type not in SUPPORTED or n.domain not in ("", "ai.onnx") for n in graph.node):
            continue
        if not case.data_sets:
            continue
        inputs, outputs = case.data_sets[0]
        graph_inputs = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
        if len(inputs) != len(graph_inputs):
            skipped_data.append(case.name)
            continue
        op_types = {n.op_type for n in graph.node}
        shapes = [np.asarray(v).shape for v in inputs]
        keep_all = (len(graph.node) == 1 and (op_types <= {"Concat"} or (op_types <= ELEMENTWISE and len(set(shapes)) == 1)))
        model = onnx.ModelProto()
        model.CopyFrom(case.model)
        runtime_inputs = []
        bake = []
        for index, (info, array) in enumerate(zip(graph_inputs, inputs)):
            a = np.asarray(array)
            is_float = a.dtype in (np.float32, np.float64, np.float16)
            if is_float and (index == 0 or keep_all):
                runtime_inputs.append((info.name, a))
            else:
                bake.append((info.name, a))
        try:
            baked = [numpy_helper.from_array(a, name) for name, a in bake]
        except Exception:  # noqa: BLE001 - exotic element types (float8, strings)
            skipped_data.append(case.name)
            continue
        for (name, a), tensor in zip(bake, baked):
            model.graph.initializer.append(tensor)
            for i, info in enumerate(model.graph.input):
                if info.name == name:
                    del model.graph.input[i]
                    break
        record_inputs = []
        bad = False
        for name, a in runtime_inputs:
            data = encode(a)
            bad = bad or data is None
            record_inputs.append({"name": name, "shape": list(a.shape), "data": data})
        record_outputs = []
        for info, array in zip(graph.output, outputs):
            a = np.asarray(array)
            data = encode(a)
            bad = bad or data is None
            record_outputs.append({"name": info.name, "shape": list(a.shape), "data": data})
        if bad:
            skipped_data.append(case.name)
            continue
        case_dir = os.path.join(out_dir, case.name)
        os.makedirs(case_dir, exist_ok=True)
        onnx.save(model, os.path.join(case_dir, "model.onnx"))
        with open(os.path.join(case_dir, "data.json"), "w") as f:
            json.dump({"rtol": case.rtol, "atol": case.atol, "inputs": record_inputs, "outputs": record_outputs}, f)
        written += 1
    print(f"wrote {written} node test cases to {out_dir}")
    if skipped_data:
        print(f"skipped {len(skipped_data)} cases whose data is not numeric: {', '.join(skipped_data)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_node_tests.py OUT_DIR")
    main(sys.argv[1])
