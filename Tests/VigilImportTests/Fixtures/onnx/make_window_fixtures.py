"""Makes the 2-D and 3-D window fixtures for Tests/VigilImportTests/ONNXWindowTests.swift.

Run from this directory with the pinned environment (requirements.txt):

    python make_window_fixtures.py

Same format and reference as make_onnx_fixtures.py (whose `save` it uses): NAME.onnx
and NAME.json with random inputs and ONNX Runtime's outputs (CPU provider, graph
optimizations off), in ONNX's own axis order. The models cover what the N-d ops add
to the 1-D ones: several spatial axes, groups, stride with dilation, asymmetric and
SAME_LOWER/SAME_UPPER padding, ceil mode, dilated pooling, count_include_pad and
MaxPool's Indices.
`conv4d` has no JSON: it is the window Vigil refuses (more than three spatial axes).
`conv_batch_free` fixes N and concatenates a per-item constant, so it imports
batch-free, where N is one more window axis.
"""
import numpy as np
from onnx import TensorProto, helper

from make_onnx_fixtures import helper_model, init, save, value

RNG = np.random.default_rng(20250305)
BATCH = 2


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def out(name, rank):
    """An output of the given rank with symbolic sizes, which ONNX Runtime fills in."""
    return value(name, ["N"] + [f"{name}_{i}" for i in range(1, rank)])


def conv2d_grouped():
    """Conv (2 groups, stride and dilation on one axis, asymmetric pads, bias) + Relu."""
    conv = helper.make_node("Conv", ["x", "W", "B"], ["c"], group=2, kernel_shape=[3, 2], strides=[2, 1],
                            dilations=[2, 2], pads=[1, 0, 2, 1], name="conv")
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu")
    save("conv2d_grouped", helper_model([conv, relu], [value("x", ["N", 4, 9, 7])], [out("y", 4)],
                                        [init("W", rand(6, 2, 3, 2)), init("B", rand(6))]),
         {"x": rand(BATCH, 4, 9, 7)})


def conv3d_same_lower():
    conv = helper.make_node("Conv", ["x", "W"], ["y"], kernel_shape=[2, 3, 2], strides=[1, 2, 1],
                            auto_pad="SAME_LOWER", name="conv3d")
    save("conv3d_same_lower", helper_model([conv], [value("x", ["N", 3, 4, 5, 3])], [out("y", 5)],
                                           [init("W", rand(2, 3, 2, 3, 2))]),
         {"x": rand(BATCH, 3, 4, 5, 3)})


def pool2d():
    """Dilated ceil-mode MaxPool; ceil-mode AveragePool counting padding; SAME_UPPER
    AveragePool not counting it; global pools over both axes."""
    nodes = [
        helper.make_node("MaxPool", ["x"], ["max"], kernel_shape=[3, 2], strides=[2, 2], dilations=[1, 2],
                         pads=[1, 0, 1, 1], ceil_mode=1, name="maxpool"),
        helper.make_node("AveragePool", ["x"], ["avg_pad"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1],
                         ceil_mode=1, count_include_pad=1, name="avgpool_pad"),
        helper.make_node("AveragePool", ["x"], ["avg_same"], kernel_shape=[3, 3], strides=[2, 1],
                         auto_pad="SAME_UPPER", name="avgpool_same"),
        helper.make_node("GlobalAveragePool", ["x"], ["gavg"], name="gavg"),
        helper.make_node("GlobalMaxPool", ["x"], ["gmax"], name="gmax"),
    ]
    outputs = [out("max", 4), out("avg_pad", 4), out("avg_same", 4), out("gavg", 4), out("gmax", 4)]
    save("pool2d", helper_model(nodes, [value("x", ["N", 3, 7, 6])], outputs, []), {"x": rand(BATCH, 3, 7, 6)})


def pool3d():
    nodes = [
        helper.make_node("MaxPool", ["x"], ["max"], kernel_shape=[2, 3, 2], strides=[1, 2, 2],
                         pads=[0, 1, 0, 1, 1, 0], name="maxpool3d"),
        helper.make_node("AveragePool", ["x"], ["avg"], kernel_shape=[2, 2, 3], dilations=[2, 1, 1],
                         pads=[1, 1, 1, 0, 1, 1], count_include_pad=1, ceil_mode=1, strides=[2, 2, 2], name="avgpool3d"),
    ]
    outputs = [out("max", 5), out("avg", 5)]
    save("pool3d", helper_model(nodes, [value("x", ["N", 2, 4, 4, 4])], outputs, [], opset=19), {"x": rand(BATCH, 2, 4, 4, 4)})


def maxpool_indices():
    """MaxPool's Indices (int64) in both storage orders, over a batch of several channels."""
    nodes = [
        helper.make_node("MaxPool", ["x"], ["y", "rows"], kernel_shape=[2, 2], strides=[2, 1], pads=[1, 0, 0, 1], name="rows"),
        helper.make_node("MaxPool", ["x"], ["y_columns", "columns"], kernel_shape=[3, 2], strides=[1, 2], storage_order=1,
                         name="columns"),
    ]
    outputs = [out("y", 4), out("rows", 4), out("y_columns", 4), out("columns", 4)]
    for o in outputs[1::2]:
        o.type.tensor_type.elem_type = TensorProto.INT64
    save("maxpool_indices", helper_model(nodes, [value("x", ["N", 2, 5, 4])], outputs, []), {"x": rand(BATCH, 2, 5, 4)})


def conv4d():
    conv = helper.make_node("Conv", ["x", "W"], ["y"], kernel_shape=[2, 2, 2, 2], name="conv4d")
    save("conv4d", helper_model([conv], [value("x", ["N", 1, 3, 3, 3, 3])], [out("y", 6)],
                                [init("W", rand(1, 1, 2, 2, 2, 2))]))


def conv_batch_free():
    """Fixed N with a constant state that differs per item (as ONNX's causal-conv
    expansions have): only a batch-free import takes it. A 1-D Conv (stride, pads,
    bias) + Relu, then MaxPool, AveragePool and both global pools; a 2-D Conv on a
    second input. Its own generator, so that the other fixtures keep their draws."""
    rng = np.random.default_rng(20250521)

    def draw(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    nodes = [
        helper.make_node("Concat", ["state", "x"], ["padded"], axis=2, name="concat"),
        helper.make_node("Conv", ["padded", "W", "B"], ["c"], kernel_shape=[3], strides=[2], pads=[1, 1], name="conv"),
        helper.make_node("Relu", ["c"], ["conv"], name="relu"),
        helper.make_node("MaxPool", ["conv"], ["max"], kernel_shape=[2], name="maxpool"),
        helper.make_node("AveragePool", ["conv"], ["avg"], kernel_shape=[3], pads=[1, 1], name="avgpool"),
        helper.make_node("GlobalAveragePool", ["conv"], ["gavg"], name="gavg"),
        helper.make_node("GlobalMaxPool", ["conv"], ["gmax"], name="gmax"),
        helper.make_node("Conv", ["z", "W2"], ["conv2d"], kernel_shape=[2, 3], pads=[0, 1, 1, 1], name="conv2d"),
    ]
    outputs = [value("padded", [3, 2, 9]), value("conv", [3, 4, 5]), value("max", [3, 4, 4]), value("avg", [3, 4, 5]),
               value("gavg", [3, 4, 1]), value("gmax", [3, 4, 1]), value("conv2d", [2, 3, 4, 5])]
    initializers = [init("state", draw(3, 2, 2)), init("W", draw(4, 2, 3)), init("B", draw(4)), init("W2", draw(3, 2, 2, 3))]
    save("conv_batch_free", helper_model(nodes, [value("x", [3, 2, 7]), value("z", [2, 2, 4, 5])], outputs, initializers),
         {"x": draw(3, 2, 7), "z": draw(2, 2, 4, 5)})


if __name__ == "__main__":
    conv2d_grouped()
    conv3d_same_lower()
    pool2d()
    pool3d()
    maxpool_indices()
    conv4d()
    conv_batch_free()
    print("window fixtures written")
