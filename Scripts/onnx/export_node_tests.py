"""Exports the ONNX backend node tests of the ops Vigil imports.

    python Scripts/onnx/export_node_tests.py OUT_DIR
    VIGIL_ONNX_NODE_TESTS=OUT_DIR swift test --filter ONNXNodeConformanceTests

For every case of onnx.backend.test.case.node.collect_testcases whose graph uses only
supported ops, it writes OUT_DIR/<case>/model.onnx and OUT_DIR/<case>/data.json:

    {"rtol": 1e-3, "atol": 1e-7,
     "inputs":  [{"name": ..., "shape": [...], "dtype": "float32", "data": [...]}, ...],
     "outputs": [{"name": ..., "shape": [...], "dtype": "int64", "data": [...]}, ...]}

Data is in ONNX's axis order; non-finite values are the strings "nan", "inf", "-inf";
integer and boolean data (dtype "bool", data 0 and 1) is written as exact integers.
Only the first data set of a case is used. Tolerances are the case's own (ONNX's
defaults are rtol 1e-3, atol 1e-7). Cases whose data have element types Vigil has no
tensor type for (float16, double, bfloat16, float8, int4…) are skipped and listed.

Vigil graphs take float or integer run-time inputs and constant weights, shapes and
axes, so the export bakes inputs into initializers (the values the test feeds them):
every input after the first, except the operands of Concat and of elementwise
Add/Sub/Mul/Div whose shapes all agree (those stay run-time inputs); boolean inputs;
and integer inputs except those of Add/Sub/Mul/Div, Clip and MaxPool cases.
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
    "Elu", "Selu", "Gelu", "Softplus", "Softsign", "HardSwish", "Mish", "Exp", "Max", "Min", "PRelu", "LayerNormalization",
    "Neg", "Abs", "Log", "Sqrt", "Reciprocal", "Erf", "RNN", "LogSoftmax", "Pow",
    "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "Split", "Tile", "Where",
}
ELEMENTWISE = {"Add", "Sub", "Mul", "Div"}
# Cases of only these ops keep integer inputs as run-time inputs.
INTEGER_RUNTIME = ELEMENTWISE | {"Clip", "MaxPool"}
# ONNX element types Vigil has a tensor type for.
VIGIL_TYPES = {
    onnx.TensorProto.FLOAT, onnx.TensorProto.BOOL,
    onnx.TensorProto.INT8, onnx.TensorProto.INT16, onnx.TensorProto.INT32, onnx.TensorProto.INT64,
    onnx.TensorProto.UINT8, onnx.TensorProto.UINT16, onnx.TensorProto.UINT32, onnx.TensorProto.UINT64,
}


def foreign_types(value):
    """Names of the element types of a data value that Vigil has no tensor type for."""
    if isinstance(value, onnx.TensorProto):
        return {onnx.TensorProto.DataType.Name(value.data_type)} if value.data_type not in VIGIL_TYPES else set()
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc" and value.dtype != np.float32:
        return {str(value.dtype)}
    return set()


def as_array(value):
    return numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else np.asarray(value)


def encode(a):
    """The array's data as JSON values, or None for non-numeric data."""
    if a.dtype == np.bool_ or a.dtype.kind in "iu":
        return [int(x) for x in a.ravel()]
    if a.dtype.kind != "f":
        return None
    values = []
    for x in a.astype(np.float64).ravel():
        values.append("nan" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else float(x))))
    return values


def main(out_dir):
    from onnx.backend.test.case.node import collect_testcases

    os.makedirs(out_dir, exist_ok=True)
    written = 0
    skipped_data = []
    foreign = {}
    for case in collect_testcases(None):
        model = case.model
        graph = model.graph
        if not graph.node or any(n.op_type not in SUPPORTED or n.domain not in ("", "ai.onnx") for n in graph.node):
            continue
        if not case.data_sets:
            continue
        inputs, outputs = case.data_sets[0]
        types = set().union(*(foreign_types(v) for v in list(inputs) + list(outputs)))
        if types:
            foreign[case.name] = types
            continue
        inputs = [as_array(v) for v in inputs]
        outputs = [as_array(v) for v in outputs]
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
        integer_runtime = op_types <= INTEGER_RUNTIME
        for index, (info, array) in enumerate(zip(graph_inputs, inputs)):
            a = np.asarray(array)
            is_float = a.dtype in (np.float32, np.float64, np.float16)
            is_integer = a.dtype.kind in "iu"
            if (is_float or (is_integer and integer_runtime)) and (index == 0 or keep_all):
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
            record_inputs.append({"name": name, "shape": list(a.shape), "dtype": str(a.dtype), "data": data})
        record_outputs = []
        for info, array in zip(graph.output, outputs):
            a = np.asarray(array)
            data = encode(a)
            bad = bad or data is None
            record_outputs.append({"name": info.name, "shape": list(a.shape), "dtype": str(a.dtype), "data": data})
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
    if foreign:
        names = sorted(set().union(*foreign.values()))
        print(f"skipped {len(foreign)} cases whose data have element types Vigil has no tensor type for "
              f"({', '.join(names)}): {', '.join(foreign)}")
    if skipped_data:
        print(f"skipped {len(skipped_data)} cases whose inputs do not match their data or whose data is not numeric: "
              f"{', '.join(skipped_data)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_node_tests.py OUT_DIR")
    main(sys.argv[1])
