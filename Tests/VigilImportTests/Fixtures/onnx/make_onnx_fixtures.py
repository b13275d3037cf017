"""Makes the ONNX import fixtures for Tests/VigilImportTests/ONNXImportTests.swift.

Run from this directory with the pinned environment (requirements.txt):

    python make_onnx_fixtures.py [GROUP ...]     # gru, ncw, bad, keras, tensordot, convtranspose, resampling; all by default

For every model NAME it writes NAME.onnx and NAME.json. The JSON holds the random
inputs and the outputs ONNX Runtime computes for them, in ONNX's own axis order:

    {"inputs":  [{"name": "...", "shape": [...], "data": [...]}, ...],
     "outputs": [{"name": "...", "shape": [...], "data": [...]}, ...]}

Expected values come only from ONNX Runtime (CPU provider, graph optimizations off),
never from Vigil.

Keras models go through tf2onnx 1.17.0. It works with TensorFlow 2.21 / Keras 3 /
numpy 2 for convolutional models and for LSTM, but turns a Keras 3 GRU into an ONNX
Loop (its GRU pattern matcher no longer recognizes Keras 3's while loop), so the GRU
models are written with onnx.helper, as a tf2onnx export of an older Keras would look:
Transpose → GRU → Squeeze. The remaining channels-first (NCW) graphs, the bad-input
models and the Shape/Gather chains are also onnx.helper-built.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "Models"))
from design_model import design_model  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20240601)
BATCH = 3


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(name, model, inputs=None):
    """Checks the model, runs ONNX Runtime on random inputs and writes both files."""
    onnx.checker.check_model(model)
    path = os.path.join(HERE, name + ".onnx")
    onnx.save(model, path)
    if inputs is None:
        return
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = {k: v for k, v in inputs.items()}
    outputs = session.run(None, feeds)
    record = {
        "inputs": [{"name": k, "shape": list(v.shape), "data": [float(x) for x in v.ravel()]} for k, v in feeds.items()],
        "outputs": [
            {"name": o.name, "shape": list(v.shape), "data": [float(x) for x in np.asarray(v, np.float32).ravel()]}
            for o, v in zip(session.get_outputs(), outputs)
        ],
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(record, f, separators=(",", ":"))


def helper_model(nodes, inputs, outputs, initializers, opset=17, name="vigil_fixture"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, producer_name="vigil-fixtures", producer_version="1",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


# --- Keras models through tf2onnx -------------------------------------------------

def keras_models():
    import keras
    import tensorflow as tf
    import tf2onnx

    keras.utils.set_random_seed(7)

    def randomize(model):
        # Random biases too (Keras initializes them to zero), so that a dropped or
        # misplaced bias shows.
        for w in model.weights:
            w.assign(RNG.normal(0, 0.3, w.shape).astype(np.float32))

    def export(model, specs):
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=specs, opset=17)
        return proto

    model = design_model(keras)
    randomize(model)
    proto = export(model, [tf.TensorSpec((None, 256, 1), tf.float32, name="beat"),
                           tf.TensorSpec((None, 4), tf.float32, name="rr")])
    save("reference_cnn", proto, {"beat": rand(BATCH, 256, 1), "rr": rand(BATCH, 4)})

    # LSTM → last state → Dense (a Dense over the whole sequence: tensordot_model).
    x_in = keras.Input((20, 3), name="x")
    y = keras.layers.LSTM(8)(x_in)
    y = keras.layers.Dense(4, activation="tanh")(y)
    model = keras.Model(x_in, y)
    randomize(model)
    proto = export(model, [tf.TensorSpec((None, 20, 3), tf.float32, name="x")])
    save("keras_lstm", proto, {"x": rand(BATCH, 20, 3)})


    # Separable and depthwise convolutions (group = channels).
    x_in = keras.Input((64, 4), name="x")
    y = keras.layers.SeparableConv1D(8, 5, padding="same", activation="relu")(x_in)
    y = keras.layers.DepthwiseConv1D(3, padding="valid", depth_multiplier=2)(y)
    y = keras.layers.BatchNormalization()(y)
    y = keras.layers.AveragePooling1D(2, padding="same")(y)
    model = keras.Model(x_in, y)
    randomize(model)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_variance.assign(RNG.uniform(0.5, 2.0, layer.moving_variance.shape).astype(np.float32))
    proto = export(model, [tf.TensorSpec((None, 64, 4), tf.float32, name="x")])
    save("keras_separable", proto, {"x": rand(BATCH, 64, 4)})


# --- onnx.helper graphs -----------------------------------------------------------

def gru_models():
    t, f, u = 12, 3, 6
    # Keras-style input [N, T, F]; Transpose to ONNX's [T, N, F]; GRU with
    # linear_before_reset = 1 (Keras reset_after); last state → Squeeze → Gemm.
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
        helper.make_node("GRU", ["xt", "W", "R", "B"], ["", "h"], hidden_size=u, linear_before_reset=1, name="gru"),
        helper.make_node("Squeeze", ["h", "axis0"], ["hs"]),
        helper.make_node("Gemm", ["hs", "D", "Db"], ["y"], transB=1),
        helper.make_node("Sigmoid", ["y"], ["out"]),
    ]
    inits = [init("W", rand(1, 3 * u, f, scale=0.5)), init("R", rand(1, 3 * u, u, scale=0.5)),
             init("B", rand(1, 6 * u, scale=0.3)), init("axis0", np.array([0], np.int64)),
             init("D", rand(2, u)), init("Db", rand(2))]
    model = helper_model(nodes, [value("x", ["N", t, f])], [value("out", ["N", 2])], inits)
    save("gru_reset_after", model, {"x": rand(BATCH, t, f)})

    # linear_before_reset = 0 (Keras reset_after=False), full sequence in layout 0,
    # back to [N, T, U] through Squeeze and Transpose.
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
        helper.make_node("GRU", ["xt", "W", "R", "B"], ["y"], hidden_size=u, linear_before_reset=0, name="gru"),
        helper.make_node("Squeeze", ["y", "axis1"], ["ys"]),
        helper.make_node("Transpose", ["ys"], ["out"], perm=[1, 0, 2]),
    ]
    inits = [init("W", rand(1, 3 * u, f, scale=0.5)), init("R", rand(1, 3 * u, u, scale=0.5)),
             init("B", rand(1, 6 * u, scale=0.3)), init("axis1", np.array([1], np.int64))]
    model = helper_model(nodes, [value("x", ["N", t, f])], [value("out", ["N", t, u])], inits)
    save("gru_sequence", model, {"x": rand(BATCH, t, f)})

    # ONNX-native LSTM over [T, N, F] input, Y_h output kept as [1, N, U].
    nodes = [helper.make_node("LSTM", ["x", "W", "R", "B"], ["", "h"], hidden_size=u, name="lstm")]
    inits = [init("W", rand(1, 4 * u, f, scale=0.5)), init("R", rand(1, 4 * u, u, scale=0.5)), init("B", rand(1, 8 * u, scale=0.3))]
    model = helper_model(nodes, [value("x", [t, "N", f])], [value("h", [1, "N", u])], inits)
    save("lstm_time_major", model, {"x": rand(t, BATCH, f)})


def ncw_models():
    c, length = 4, 32
    # A channels-first CNN: Conv → BatchNorm → Relu → MaxPool → grouped dilated Conv
    # (explicit pads) → Clip → AveragePool (count_include_pad) → Flatten → Gemm → Softmax.
    nodes = [
        helper.make_node("Conv", ["x", "W1", "b1"], ["c1"], kernel_shape=[5], pads=[2, 2], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["bn"], epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2], strides=[2]),
        helper.make_node("Conv", ["p1", "W2"], ["c2"], kernel_shape=[3], group=2, dilations=[2], pads=[2, 2], name="conv2"),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["k2"]),
        helper.make_node("AveragePool", ["k2"], ["p2"], kernel_shape=[3], strides=[2], pads=[1, 1], count_include_pad=1),
        helper.make_node("Flatten", ["p2"], ["flat"]),
        helper.make_node("Gemm", ["flat", "D", "Db"], ["logits"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Softmax", ["logits"], ["out"], axis=1),
    ]
    inits = [
        init("W1", rand(8, c, 5, scale=0.4)), init("b1", rand(8, scale=0.1)),
        init("g", rand(8)), init("beta", rand(8)), init("mean", rand(8)), init("var", RNG.uniform(0.5, 2, 8).astype(np.float32)),
        init("W2", rand(8, 4, 3, scale=0.4)),
        init("lo", np.array(-0.5, np.float32)), init("hi", np.array(1.5, np.float32)),
        init("D", rand(5, 8 * 8, scale=0.3)), init("Db", rand(5)),
    ]
    model = helper_model(nodes, [value("x", ["N", c, length])], [value("out", ["N", 5])], inits)
    save("ncw_cnn", model, {"x": rand(BATCH, c, length)})

    # Shape → Gather → Unsqueeze → Concat → Reshape (a batch-symbolic flatten), a
    # Slice/Cast chain, MatMul with constant weights, elementwise ops with
    # broadcast constants, GlobalMaxPool and Concat of two branches.
    nodes = [
        helper.make_node("Conv", ["x", "W1"], ["c1"], kernel_shape=[3], strides=[2], auto_pad="SAME_LOWER", name="conv"),
        helper.make_node("LeakyRelu", ["c1"], ["a1"], alpha=0.2),
        helper.make_node("Shape", ["a1"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axis0"], ["n1"]),
        helper.make_node("Slice", ["s", "one", "big", "axis0"], ["rest"]),
        helper.make_node("Cast", ["rest"], ["restf"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["restf"], ["resti"], to=TensorProto.INT64),
        # A no-op Reshape to [N, 6, 8] through the Slice/Cast chain, then the flatten.
        helper.make_node("Concat", ["n1", "resti"], ["shape1"], axis=0),
        helper.make_node("Reshape", ["a1", "shape1"], ["same"]),
        helper.make_node("Concat", ["n1", "minus1"], ["shape2"], axis=0),
        helper.make_node("Reshape", ["same", "shape2"], ["flat"]),
        helper.make_node("MatMul", ["flat", "M"], ["mm"]),
        helper.make_node("Add", ["mm", "mb"], ["h1"]),
        helper.make_node("HardSigmoid", ["h1"], ["h2"], alpha=0.3, beta=0.4),
        helper.make_node("GlobalMaxPool", ["a1"], ["g"]),
        helper.make_node("Squeeze", ["g", "axis2"], ["gs"]),
        helper.make_node("Mul", ["gs", "scale"], ["gm"]),
        helper.make_node("Sub", ["gm", "shift"], ["gsub"]),
        helper.make_node("Div", ["gsub", "div"], ["gd"]),
        helper.make_node("Tanh", ["gd"], ["gt"]),
        helper.make_node("Concat", ["h2", "gt"], ["cat"], axis=1),
        helper.make_node("Dropout", ["cat"], ["out"]),
    ]
    inits = [
        init("W1", rand(6, 2, 3, scale=0.5)),
        init("zero", np.array(0, np.int64)), init("axis0", np.array([0], np.int64)),
        init("one", np.array([1], np.int64)), init("big", np.array([1 << 62], np.int64)),
        init("minus1", np.array([-1], np.int64)), init("axis2", np.array([2], np.int64)),
        init("M", rand(6 * 8, 7, scale=0.3)), init("mb", rand(7)),
        init("scale", rand(6)), init("shift", rand(1)), init("div", RNG.uniform(1, 2, 6).astype(np.float32)),
    ]
    model = helper_model(nodes, [value("x", ["N", 2, 16])], [value("out", ["N", 13])], inits)
    save("shape_chain", model, {"x": rand(BATCH, 2, 16)})

    # Channels-last input wrapped in Transposes around a Conv, as a tf2onnx export of
    # Keras looks before its optimizer: every Transpose must vanish. Softmax over the
    # channels, then a constant-first MatMul (a pointwise conv written as W · x).
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
        helper.make_node("Conv", ["xt", "W"], ["c"], kernel_shape=[3], pads=[1, 1], name="conv"),
        helper.make_node("Transpose", ["c"], ["ct"], perm=[0, 2, 1]),
        helper.make_node("Softmax", ["ct"], ["sm"], axis=-1),
        helper.make_node("Transpose", ["sm"], ["st"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["P", "st"], ["pw"]),
        helper.make_node("Unsqueeze", ["pw", "axis2"], ["pu"]),
        helper.make_node("Squeeze", ["pu", "axis2"], ["out"]),
    ]
    inits = [init("W", rand(5, 3, 3, scale=0.5)), init("P", rand(2, 5)), init("axis2", np.array([2], np.int64))]
    model = helper_model(nodes, [value("x", ["N", 10, 3])], [value("out", ["N", 2, 10])], inits)
    save("transposed_conv", model, {"x": rand(BATCH, 10, 3)})


def bad_models():
    x = value("x", ["N", 2, 8])
    y = value("y", ["N", 2, 8])
    save("unsupported_op", helper_model([helper.make_node("Hardmax", ["x"], ["y"], name="the_hardmax")], [x], [y], []))
    w = rand(2, 2, 1)
    w[1, 0, 0] = np.nan
    save("nan_weights", helper_model([helper.make_node("Conv", ["x", "W"], ["y"], kernel_shape=[1], name="conv")], [x], [y], [init("W", w)]))
    # Refused while Vigil ran 1-D windows only; now ONNXWindowTests checks its NHWC layout.
    x4 = value("x", ["N", 2, 8, 8])
    save("conv2d", helper_model([helper.make_node("Conv", ["x", "W"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv2d")],
                                [x4], [value("y", ["N", 2, 8, 8])], [init("W", rand(2, 2, 3, 3))]))
    save("old_opset", helper_model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], [], opset=9))
    # Gemm whose B has the wrong number of rows (16 features in, B expects 10).
    flat = helper.make_node("Flatten", ["x"], ["f"])
    gemm = helper.make_node("Gemm", ["f", "B"], ["y"], name="gemm")
    save("wrong_shape", helper_model([flat, gemm], [x], [value("y", ["N", 3])], [init("B", rand(10, 3))]))
    save("bidirectional_gru", helper_model(
        [helper.make_node("GRU", ["x", "W", "R"], ["y"], hidden_size=2, direction="bidirectional", name="bigru")],
        [value("x", [8, "N", 2])], [value("y", [8, 2, "N", 2])],
        [init("W", rand(2, 6, 2)), init("R", rand(2, 6, 2))]))


def keras_fixture(name, model, rng, shape):
    """A Keras model with random weights drawn from `rng`, through tf2onnx, saved with
    ONNX Runtime's outputs for a random batch of inputs [BATCH, *shape] named x."""
    import tensorflow as tf
    import tf2onnx

    for w in model.weights:
        w.assign(rng.normal(0, 0.3, w.shape).astype(np.float32))
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=[tf.TensorSpec((None,) + shape, tf.float32, name="x")], opset=17)
    save(name, proto, {"x": rng.standard_normal((BATCH,) + shape).astype(np.float32)})


def tensordot_model():
    """An LSTM returning sequences into a Dense: tf2onnx's Tensordot, a Reshape that
    merges batch and time ([N, 20, 8] → [N·20, 8]), a MatMul, and a Reshape back. Its
    own generator, so that it leaves the other fixtures' draws alone."""
    import keras

    x_in = keras.Input((20, 3), name="x")
    y = keras.layers.LSTM(8, return_sequences=True)(x_in)
    y = keras.layers.Dense(4)(y)
    keras_fixture("keras_tensordot", keras.Model(x_in, y), np.random.default_rng(20261207), (20, 3))


def convtranspose_models():
    """ConvTranspose over [N, C, L]: strided with pads, output_padding and a bias
    (onnx.helper), and the one tf2onnx writes for a Keras Conv1DTranspose. Their own
    generator, so that they leave the other fixtures' draws alone."""
    rng = np.random.default_rng(20261208)

    def r(*shape):
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    nodes = [helper.make_node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2], pads=[1, 2], output_padding=[1], name="up")]
    model = helper_model(nodes, [value("x", ["N", 3, 10])], [value("y", ["N", 4, 21])], [init("W", r(3, 4, 5)), init("B", r(4))])
    save("convtranspose", model, {"x": r(BATCH, 3, 10)})

    import keras

    x_in = keras.Input((16, 2), name="x")
    y = keras.layers.Conv1DTranspose(3, 4, strides=2, padding="same")(x_in)
    y = keras.layers.Conv1DTranspose(2, 3, padding="valid", activation="relu")(y)
    keras_fixture("keras_convtranspose", keras.Model(x_in, y), rng, (16, 2))


def resampling_models():
    """Resize along time (nearest, as PyTorch's upsampling writes it; linear with
    half-pixel centres to a given size), Tile of run-time data and Where with a
    constant condition (onnx.helper), and what tf2onnx writes for Keras UpSampling1D.
    Their own generator, so that they leave the other fixtures' draws alone."""
    rng = np.random.default_rng(20261209)

    def r(*shape):
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    nodes = [
        helper.make_node("Resize", ["x", "", "up"], ["near"], mode="nearest", coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor", name="nearest"),
        # Sizes as exporters compute them: the input's batch and channels, then 13.
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Slice", ["shape", "zero", "two"], ["leading"]),
        helper.make_node("Concat", ["leading", "length"], ["size"], axis=0),
        helper.make_node("Resize", ["x", "", "", "size"], ["lin"], mode="linear", coordinate_transformation_mode="half_pixel", name="linear"),
        helper.make_node("Tile", ["x", "reps"], ["tiled"], name="tile"),
        helper.make_node("Where", ["mask", "x", "w"], ["picked"], name="where"),
        helper.make_node("Concat", ["near", "tiled"], ["a"], axis=1),
        helper.make_node("Concat", ["lin", "picked"], ["b"], axis=2),
    ]
    inits = [init("up", np.array([1, 1, 2], np.float32)), init("zero", np.array([0], np.int64)), init("two", np.array([2], np.int64)),
             init("length", np.array([13], np.int64)),
             init("reps", np.array([1, 2, 2], np.int64)), init("mask", rng.random((1, 3, 8)) > 0.5), init("w", r(1, 3, 8))]
    model = helper_model(nodes, [value("x", ["N", 3, 8])], [value("a", ["N", 9, 16]), value("b", ["N", 3, 21])], inits, opset=13)
    save("resampling", model, {"x": r(BATCH, 3, 8)})

    import keras

    x_in = keras.Input((12, 2), name="x")
    y = keras.layers.UpSampling1D(3)(x_in)
    y = keras.layers.Conv1D(3, 3, padding="same")(y)
    keras_fixture("keras_upsampling", keras.Model(x_in, y), rng, (12, 2))


GROUPS = {"gru": gru_models, "ncw": ncw_models, "bad": bad_models, "keras": keras_models, "tensordot": tensordot_model,
          "convtranspose": convtranspose_models, "resampling": resampling_models}

if __name__ == "__main__":
    # Every group by default; name groups to write only those.
    for group in sys.argv[1:] or list(GROUPS):
        GROUPS[group]()
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
    print(f"fixtures written, {total} bytes in {HERE}")
