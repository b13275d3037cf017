#!/usr/bin/env python3
"""Generates ops.json: op-conformance fixtures for VigilRuntime, computed by Keras.

Every case runs a real Keras 3 layer (TensorFlow backend, float32) -- or a TensorFlow
op where Keras has no layer (MatMul, elementwise ops against a constant) -- on seeded
random inputs and weights. The Swift test `KerasOpTests` rebuilds each case as a Vigil
graph, runs it with the portable reference kernels and compares every element with
|vigil - keras| <= 1e-6 + 1e-5 * |keras|.

Regenerate (deterministic; pinned versions in requirements.txt):

    /work/venv/bin/python Tests/VigilRuntimeTests/Fixtures/make_op_fixtures.py

File format
-----------
`ops.json` is a JSON list of cases, one case per line. Each case is an object:

    name        unique case name (the Swift test's argument).
    op          what the case runs; the Keras class name of the layer where there is
                one: Conv1D, DepthwiseConv1D, SeparableConv1D, Dense, MatMul, Add,
                Subtract, Multiply, AddConstant, MultiplyConstant, Concatenate,
                Reshape, Flatten, ZeroPadding1D, MaxPooling1D, AveragePooling1D,
                GlobalAveragePooling1D, GlobalMaxPooling1D, ReLU, LeakyReLU,
                Activation, Softmax, Conv1D+BatchNormalization,
                ReLU+BatchNormalization, GRU, LSTM.
    attributes  the layer's arguments under their Keras names (kernel_size, strides,
                padding, dilation_rate, groups, depth_multiplier, filters, units,
                activation, use_bias, pool_size, axis, target_shape, max_value,
                negative_slope, epsilon, return_sequences, reset_after, ...).
                ZeroPadding1D's `padding` is [left, right]; Activation's
                `activation` is a Keras activation name.
    inputs      list of {"shape", "data"}: the model inputs, shape INCLUDING the
                batch dimension (batch 2 or 3).
    weights     object of named constants {"shape", "data"} in Keras layouts, no batch
                dimension: kernel [K, Cin/groups, Cout] (Conv1D), kernel
                [K, Cin, depth_multiplier] (DepthwiseConv1D; output channel
                c*depth_multiplier + m), depthwise_kernel [K, Cin, dm] and
                pointwise_kernel [1, Cin*dm, Cout] (SeparableConv1D),
                kernel [In, Out] (Dense), kernel [F, gates*U], recurrent_kernel
                [U, gates*U], bias [3U] / [2, 3U] (GRU reset_after) / [4U] (LSTM),
                gamma / beta / moving_mean / moving_variance (BatchNormalization),
                b [K, N] (MatMul against a constant), constant (elementwise ops).
                Absent keys mean the layer has no such weight (use_bias=False).
    expected    {"shape", "data"}: the Keras output, shape including the batch.

All data is flattened row-major (C order). Every number is a float32 value written
as the Python float equal to it (np.float32(x).item()), so it parses back exactly.
"""

import json
import os
import random
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

SEED = 20260131
PINNED = {"keras": "3.15.1", "tensorflow": "2.21.0", "numpy": "2.4.6"}
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ops.json")

assert keras.backend.backend() == "tensorflow", keras.backend.backend()
for mod, version in (("keras", keras.__version__), ("tensorflow", tf.__version__)):
    if version != PINNED[mod]:
        sys.exit(f"{mod} {version} installed, fixtures are pinned to {PINNED[mod]}")
if np.__version__ != PINNED["numpy"]:
    print(f"warning: numpy {np.__version__} installed, fixtures were made with {PINNED['numpy']}", file=sys.stderr)

random.seed(SEED)
np.random.seed(SEED)
keras.utils.set_random_seed(SEED)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
keras.config.set_floatx("float32")

rng = np.random.default_rng(SEED)


def uniform(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def normal(shape, scale=1.0):
    return (rng.standard_normal(size=shape) * scale).astype(np.float32)


def tensor(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": [np.float32(v).item() for v in a.reshape(-1)]}


cases = []


def add_case(name, op, attributes, inputs, weights, expected):
    expected = np.asarray(expected, dtype=np.float32)
    assert np.all(np.isfinite(expected)), name
    assert np.any(expected != 0), f"{name}: output is all zeros"
    assert all(c["name"] != name for c in cases), name
    cases.append({
        "name": name,
        "op": op,
        "attributes": attributes,
        "inputs": [tensor(x) for x in inputs],
        "weights": {k: tensor(v) for k, v in weights.items()},
        "expected": tensor(expected),
    })


def run_layers(layer_list, inputs):
    """Builds a functional model that applies `layer_list` in sequence to one input
    (or a merge layer to several) and runs it in inference mode."""
    ins = [keras.Input(shape=x.shape[1:], batch_size=x.shape[0], dtype="float32") for x in inputs]
    y = ins if len(ins) > 1 else ins[0]
    for layer in layer_list:
        y = layer(y)
    model = keras.Model(ins, y)
    return model, lambda: np.asarray(model([tf.constant(x) for x in inputs] if len(inputs) > 1 else tf.constant(inputs[0]), training=False))


def randomize(layer, scale=0.7, bias_scale=0.5):
    """Replaces every weight of `layer` with seeded random values (biases non-zero;
    BatchNormalization statistics non-trivial, variances positive)."""
    new = {}
    for var in layer.weights:
        name = var.path.split("/")[-1]
        shape = tuple(var.shape)
        if name == "gamma":
            v = uniform(shape, 0.5, 1.5)
        elif name == "beta":
            v = uniform(shape, -0.5, 0.5)
        elif name == "moving_mean":
            v = uniform(shape, -1.0, 1.0)
        elif name == "moving_variance":
            v = uniform(shape, 0.3, 2.0)
        elif "bias" in name:
            v = uniform(shape, -bias_scale, bias_scale)
        else:
            v = uniform(shape, -scale, scale)
        var.assign(v)
        new[name] = v
    return new


def weights_of(layer):
    return {var.path.split("/")[-1]: np.asarray(var.numpy(), dtype=np.float32) for var in layer.weights}


# ---------------------------------------------------------------------------
# Conv1D family

def conv_case(name, *, length=16, cin=4, filters=5, batch=2, kernel_size=3, strides=1,
              padding="valid", dilation_rate=1, groups=1, use_bias=True, activation="linear"):
    x = normal((batch, length, cin))
    layer = layers.Conv1D(filters, kernel_size, strides=strides, padding=padding,
                          dilation_rate=dilation_rate, groups=groups, use_bias=use_bias,
                          activation=activation)
    _, run = run_layers([layer], [x])
    randomize(layer)
    y = run()
    attrs = {"filters": filters, "kernel_size": kernel_size, "strides": strides, "padding": padding,
             "dilation_rate": dilation_rate, "groups": groups, "use_bias": use_bias, "activation": activation}
    add_case(name, "Conv1D", attrs, [x], weights_of(layer), y)


conv_case("conv1d_valid")
conv_case("conv1d_same_even_kernel", kernel_size=4, padding="same", filters=3)
conv_case("conv1d_same_odd_kernel", kernel_size=3, padding="same", length=9, batch=3)
conv_case("conv1d_causal", kernel_size=3, padding="causal")
conv_case("conv1d_stride2_valid", kernel_size=3, strides=2, length=15)
conv_case("conv1d_stride2_same", kernel_size=4, strides=2, padding="same", length=15)
conv_case("conv1d_dilation2_valid", kernel_size=3, dilation_rate=2)
conv_case("conv1d_dilation2_causal", kernel_size=3, dilation_rate=2, padding="causal")
conv_case("conv1d_dilation2_same", kernel_size=3, dilation_rate=2, padding="same")
conv_case("conv1d_groups2", cin=4, filters=6, groups=2, padding="same")
conv_case("conv1d_no_bias", use_bias=False, padding="same")
conv_case("conv1d_relu", activation="relu", padding="causal")
conv_case("conv1d_kernel1", kernel_size=1, cin=6, filters=4)


def depthwise_case(name, *, length=12, cin=4, depth_multiplier=1, batch=2, kernel_size=3, strides=1,
                   padding="valid", use_bias=True, activation="linear"):
    x = normal((batch, length, cin))
    layer = layers.DepthwiseConv1D(kernel_size, strides=strides, padding=padding,
                                   depth_multiplier=depth_multiplier, use_bias=use_bias,
                                   activation=activation)
    _, run = run_layers([layer], [x])
    randomize(layer)
    y = run()
    attrs = {"kernel_size": kernel_size, "strides": strides, "padding": padding,
             "depth_multiplier": depth_multiplier, "use_bias": use_bias, "activation": activation}
    add_case(name, "DepthwiseConv1D", attrs, [x], weights_of(layer), y)


depthwise_case("depthwise_conv1d_same", padding="same")
depthwise_case("depthwise_conv1d_multiplier2_valid", depth_multiplier=2, cin=3)
depthwise_case("depthwise_conv1d_stride2_same_no_bias_relu", strides=2, padding="same", use_bias=False, activation="relu")


def separable_case(name, *, length=12, cin=3, filters=5, depth_multiplier=2, batch=2, kernel_size=3,
                   padding="same", use_bias=True, activation="linear"):
    x = normal((batch, length, cin))
    layer = layers.SeparableConv1D(filters, kernel_size, padding=padding, depth_multiplier=depth_multiplier,
                                   use_bias=use_bias, activation=activation)
    _, run = run_layers([layer], [x])
    randomize(layer)
    y = run()
    attrs = {"filters": filters, "kernel_size": kernel_size, "strides": 1, "padding": padding,
             "depth_multiplier": depth_multiplier, "use_bias": use_bias, "activation": activation}
    add_case(name, "SeparableConv1D", attrs, [x], weights_of(layer), y)


separable_case("separable_conv1d_same")
separable_case("separable_conv1d_valid_relu", padding="valid", activation="relu", depth_multiplier=1, cin=4)

# ---------------------------------------------------------------------------
# Dense and MatMul


def dense_case(name, in_shape, units, activation="linear", use_bias=True):
    x = normal(in_shape)
    layer = layers.Dense(units, activation=activation, use_bias=use_bias)
    _, run = run_layers([layer], [x])
    randomize(layer)
    y = run()
    add_case(name, "Dense", {"units": units, "activation": activation, "use_bias": use_bias},
             [x], weights_of(layer), y)


dense_case("dense_rank2_relu", (3, 8), 6, activation="relu")
dense_case("dense_rank3_tanh", (2, 5, 4), 3, activation="tanh")
dense_case("dense_rank2_no_bias", (2, 7), 4, use_bias=False)
dense_case("dense_rank3_sigmoid", (2, 6, 3), 5, activation="sigmoid")

x = normal((2, 5, 4))
b = uniform((4, 3))
add_case("matmul_constant", "MatMul", {}, [x], {"b": b}, tf.matmul(tf.constant(x), tf.constant(b)).numpy())
x = normal((3, 6, 4))
b = uniform((4, 2))
add_case("matmul_constant_rank3", "MatMul", {}, [x], {"b": b}, tf.matmul(tf.constant(x), tf.constant(b)).numpy())
a = normal((2, 3, 4))
b = normal((2, 4, 5))
add_case("matmul_batched", "MatMul", {}, [a, b], {}, tf.matmul(tf.constant(a), tf.constant(b)).numpy())

# ---------------------------------------------------------------------------
# Elementwise and merge layers


def merge_case(name, op, layer, shapes, attrs=None):
    xs = [normal(s) for s in shapes]
    _, run = run_layers([layer], xs)
    add_case(name, op, attrs or {}, xs, {}, run())


merge_case("add", "Add", layers.Add(), [(2, 6, 3), (2, 6, 3)])
merge_case("add_three_inputs_rank2", "Add", layers.Add(), [(3, 5), (3, 5), (3, 5)])
merge_case("subtract", "Subtract", layers.Subtract(), [(2, 6, 3), (2, 6, 3)])
merge_case("multiply", "Multiply", layers.Multiply(), [(2, 6, 3), (2, 6, 3)])
merge_case("concatenate_axis_last", "Concatenate", layers.Concatenate(axis=-1), [(2, 5, 2), (2, 5, 3)], {"axis": -1})
merge_case("concatenate_axis1", "Concatenate", layers.Concatenate(axis=1), [(2, 4, 3), (2, 2, 3)], {"axis": 1})
merge_case("concatenate_three_axis_last", "Concatenate", layers.Concatenate(axis=-1),
           [(2, 4, 1), (2, 4, 3), (2, 4, 2)], {"axis": -1})

x = normal((2, 6, 3))
c = uniform((3,), -2.0, 2.0)
add_case("multiply_constant_channels", "MultiplyConstant", {}, [x], {"constant": c},
         tf.multiply(tf.constant(x), tf.constant(c)).numpy())
x = normal((2, 6, 3))
c = uniform((6, 1), -2.0, 2.0)
add_case("multiply_constant_time", "MultiplyConstant", {}, [x], {"constant": c},
         tf.multiply(tf.constant(x), tf.constant(c)).numpy())
x = normal((2, 6, 3))
c = uniform((3,), -2.0, 2.0)
add_case("add_constant_channels", "AddConstant", {}, [x], {"constant": c},
         tf.add(tf.constant(x), tf.constant(c)).numpy())

# ---------------------------------------------------------------------------
# Shape ops


def shape_case(name, op, layer, in_shape, attrs):
    x = normal(in_shape)
    _, run = run_layers([layer], [x])
    add_case(name, op, attrs, [x], {}, run())


shape_case("reshape", "Reshape", layers.Reshape((3, 8)), (2, 6, 4), {"target_shape": [3, 8]})
shape_case("reshape_inferred", "Reshape", layers.Reshape((-1, 2)), (2, 6, 4), {"target_shape": [-1, 2]})
shape_case("flatten", "Flatten", layers.Flatten(), (3, 5, 3), {})
shape_case("zero_padding1d_asymmetric", "ZeroPadding1D", layers.ZeroPadding1D((1, 3)), (2, 5, 3), {"padding": [1, 3]})

# ---------------------------------------------------------------------------
# Pooling


def pool_case(name, op, cls, length, pool_size, strides, padding, channels=3):
    x = normal((2, length, channels))
    _, run = run_layers([cls(pool_size=pool_size, strides=strides, padding=padding)], [x])
    add_case(name, op, {"pool_size": pool_size, "strides": strides, "padding": padding}, [x], {}, run())


pool_case("max_pooling1d_valid", "MaxPooling1D", layers.MaxPooling1D, 11, 3, 2, "valid")
pool_case("max_pooling1d_same", "MaxPooling1D", layers.MaxPooling1D, 11, 3, 2, "same")
pool_case("max_pooling1d_same_pool4_stride3", "MaxPooling1D", layers.MaxPooling1D, 10, 4, 3, "same")
pool_case("average_pooling1d_valid", "AveragePooling1D", layers.AveragePooling1D, 11, 3, 2, "valid")
pool_case("average_pooling1d_same", "AveragePooling1D", layers.AveragePooling1D, 11, 3, 2, "same")
pool_case("average_pooling1d_same_pool4_stride3", "AveragePooling1D", layers.AveragePooling1D, 10, 4, 3, "same")

x = normal((2, 7, 4))
_, run = run_layers([layers.GlobalAveragePooling1D()], [x])
add_case("global_average_pooling1d", "GlobalAveragePooling1D", {}, [x], {}, run())
x = normal((3, 7, 4))
_, run = run_layers([layers.GlobalMaxPooling1D()], [x])
add_case("global_max_pooling1d", "GlobalMaxPooling1D", {}, [x], {}, run())

# ---------------------------------------------------------------------------
# Activations


def activation_case(name, op, layer, attrs, lo, hi, shape=(2, 10, 4)):
    x = uniform(shape, lo, hi)
    _, run = run_layers([layer], [x])
    add_case(name, op, attrs, [x], {}, run())


activation_case("relu", "ReLU", layers.ReLU(), {}, -3, 3)
activation_case("relu_max_value_6", "ReLU", layers.ReLU(max_value=6.0), {"max_value": 6.0}, -9, 9)
activation_case("relu_max_value_2_5", "ReLU", layers.ReLU(max_value=2.5), {"max_value": 2.5}, -4, 4)
activation_case("leaky_relu", "LeakyReLU", layers.LeakyReLU(negative_slope=0.2), {"negative_slope": 0.2}, -3, 3)
activation_case("sigmoid", "Activation", layers.Activation("sigmoid"), {"activation": "sigmoid"}, -8, 8)
activation_case("hard_sigmoid", "Activation", layers.Activation("hard_sigmoid"), {"activation": "hard_sigmoid"}, -5, 5)
activation_case("tanh", "Activation", layers.Activation("tanh"), {"activation": "tanh"}, -5, 5)
activation_case("softmax_last_axis", "Softmax", layers.Softmax(axis=-1), {"axis": -1}, -4, 4, shape=(2, 4, 6))
activation_case("softmax_rank2", "Softmax", layers.Softmax(axis=-1), {"axis": -1}, -6, 6, shape=(3, 7))

# Keras 3 hard_sigmoid must be relu6(x + 3) / 6, the definition Vigil's
# .hardSigmoid(alpha: 1/6, beta: 0.5) implements.
_hs = [c for c in cases if c["name"] == "hard_sigmoid"][0]
_hx = np.array(_hs["inputs"][0]["data"], dtype=np.float64)
assert np.allclose(np.clip(_hx / 6 + 0.5, 0, 1), _hs["expected"]["data"], atol=1e-6)
assert min(_hs["expected"]["data"]) == 0.0 and max(_hs["expected"]["data"]) == 1.0

# ---------------------------------------------------------------------------
# BatchNormalization (inference mode, non-trivial moving statistics)

x = normal((2, 10, 4))
conv = layers.Conv1D(5, 3, padding="same")
bn = layers.BatchNormalization(epsilon=1e-3)
_, run = run_layers([conv, bn], [x])
randomize(conv)
randomize(bn)
w = weights_of(conv)
w.update(weights_of(bn))
add_case("conv1d_batch_normalization", "Conv1D+BatchNormalization",
         {"filters": 5, "kernel_size": 3, "strides": 1, "padding": "same", "dilation_rate": 1, "groups": 1,
          "use_bias": True, "activation": "linear", "epsilon": 1e-3}, [x], w, run())

x = normal((2, 10, 4))
conv = layers.Conv1D(3, 3, padding="valid", use_bias=False)
bn = layers.BatchNormalization(epsilon=1e-5)
_, run = run_layers([conv, bn], [x])
randomize(conv)
randomize(bn)
w = weights_of(conv)
w.update(weights_of(bn))
add_case("conv1d_no_bias_batch_normalization", "Conv1D+BatchNormalization",
         {"filters": 3, "kernel_size": 3, "strides": 1, "padding": "valid", "dilation_rate": 1, "groups": 1,
          "use_bias": False, "activation": "linear", "epsilon": 1e-5}, [x], w, run())

x = normal((2, 10, 4))
bn = layers.BatchNormalization(epsilon=1e-3)
_, run = run_layers([layers.ReLU(), bn], [x])
randomize(bn)
add_case("relu_batch_normalization", "ReLU+BatchNormalization", {"epsilon": 1e-3}, [x], weights_of(bn), run())

# ---------------------------------------------------------------------------
# Recurrent layers (T = 12, weights large enough to drive the gates non-linear)


def rnn_case(name, cls, *, units=5, features=4, steps=12, batch=2, return_sequences, **kwargs):
    x = normal((batch, steps, features), 1.5)
    layer = cls(units, return_sequences=return_sequences, **kwargs)
    _, run = run_layers([layer], [x])
    randomize(layer, scale=0.8, bias_scale=0.6)
    y = run()
    attrs = {"units": units, "return_sequences": return_sequences, "activation": "tanh",
             "recurrent_activation": "sigmoid"}
    attrs.update(kwargs)
    add_case(name, cls.__name__, attrs, [x], weights_of(layer), y)
    # The hidden state should leave the linear regime of tanh somewhere.
    assert np.max(np.abs(y)) > 0.5, name


rnn_case("gru_reset_after_sequences", layers.GRU, reset_after=True, return_sequences=True)
rnn_case("gru_reset_after_last", layers.GRU, reset_after=True, return_sequences=False, batch=3)
rnn_case("gru_reset_before_sequences", layers.GRU, reset_after=False, return_sequences=True)
rnn_case("gru_reset_before_last", layers.GRU, reset_after=False, return_sequences=False)
rnn_case("lstm_sequences", layers.LSTM, return_sequences=True)
rnn_case("lstm_last", layers.LSTM, return_sequences=False, batch=3, units=6, features=3)

# ---------------------------------------------------------------------------

with open(OUT, "w") as f:
    f.write("[\n")
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]\n")
print(f"wrote {len(cases)} cases, {os.path.getsize(OUT)} bytes to {OUT}")
