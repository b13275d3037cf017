#!/usr/bin/env python3
"""Generates the int8 .tflite fixtures and LiteRT's reference outputs for them.

Each fixture Keras model (fixed seeds, untrained weights) is converted by TensorFlow's
converter with full-integer post-training quantization (a representative dataset), and
then run by LiteRT with its *reference* kernels
(`experimental_op_resolver_type=OpResolverType.BUILTIN_REF`) on N inputs. The Swift
test `TFLiteImportTests` imports each .tflite into a Vigil graph, runs it on the same
inputs and requires every output byte to be identical.

Regenerate (deterministic given the pinned versions in requirements.txt):

    /work/venv/bin/python Tests/VigilImportTests/Fixtures/tflite/make_tflite_fixtures.py

Files, per case NAME:
    NAME.tflite          the converted model
    NAME.expected.bin    LiteRT's outputs: for every sample, every output tensor in
                         the interpreter's output order, raw little-endian bytes
                         (int8: 1 byte per element, float32: 4)
    manifest.json        the cases: inputs (name, shape without batch, dtype), outputs,
                         sample count, generator seed

Inputs are not stored: they come from SplitMix64(seed), reproduced in Swift. For every
sample, for every input (interpreter order), for every element in row-major order,
r = next() >> 56 reinterpreted as int8 (uniform on [-128, 127]); an int8 input takes
r as is, a float32 input takes r / 32 (exact in float32).
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "Models"))
from design_model import design_model as shared_design_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = 1000
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def int8s(self, n):
        out = np.empty(n, dtype=np.int8)
        for i in range(n):
            v = self.next() >> 56
            out[i] = v - 256 if v >= 128 else v
        return out


def sample_inputs(seed, shapes, count):
    """List over samples of list over inputs of int8 arrays (shape without batch)."""
    g = SplitMix64(seed)
    samples = []
    for _ in range(count):
        samples.append([g.int8s(int(np.prod(s))).reshape(s) for s in shapes])
    return samples


# ---------------------------------------------------------------- fixture models

def design_model():
    """DESIGN §11: beat [256, 1] + RR [4] → conv/pool stack → GAP → concat → dense."""
    keras.utils.set_random_seed(11)
    return shared_design_model(keras)


def separable_model():
    """Separable and depthwise convolutions, average pooling, ReLU6, global max."""
    keras.utils.set_random_seed(12)
    x_in = keras.Input((96, 3), name="signal")
    x = keras.layers.SeparableConv1D(8, 5, padding="same", activation="relu", depth_multiplier=2)(x_in)
    x = keras.layers.AveragePooling1D(2)(x)
    x = keras.layers.DepthwiseConv1D(3, padding="valid")(x)
    x = keras.layers.ReLU(max_value=6.0)(x)
    x = keras.layers.SeparableConv1D(16, 3, strides=2, padding="same")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    out = keras.layers.Dense(4)(x)
    return keras.Model(x_in, out)


def add_concat_model():
    """Residual Add and a Concatenate whose inputs have different scales."""
    keras.utils.set_random_seed(13)
    x_in = keras.Input((64, 4), name="signal")
    a = keras.layers.Conv1D(8, 3, padding="same")(x_in)
    b = keras.layers.Conv1D(8, 5, padding="same", activation="relu")(x_in)
    s = keras.layers.Add()([a, b])
    s = keras.layers.ReLU()(s)
    c = keras.layers.Conv1D(4, 1, activation="tanh")(x_in)
    m = keras.layers.Concatenate()([s, c])
    m = keras.layers.MaxPooling1D(4)(m)
    m = keras.layers.Conv1D(12, 3, padding="valid", activation="relu")(m)
    m = keras.layers.GlobalAveragePooling1D()(m)
    out = keras.layers.Dense(3, activation="sigmoid")(m)
    return keras.Model(x_in, out)


def activations_model():
    """LeakyReLU, hard_swish and gelu, which the converter writes as int8 LEAKY_RELU and
    HARD_SWISH (TFLite integer kernels) and GELU (a table of the float function)."""
    keras.utils.set_random_seed(17)
    x_in = keras.Input((64, 2), name="signal")
    m = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    m = keras.layers.LeakyReLU(negative_slope=0.2)(m)
    m = keras.layers.Conv1D(8, 3, padding="same", activation="hard_swish")(m)
    m = keras.layers.Conv1D(8, 3, padding="same", activation="gelu")(m)
    m = keras.layers.GlobalAveragePooling1D()(m)
    out = keras.layers.Dense(4)(m)
    return keras.Model(x_in, out)


def elementwise_model():
    """ABS and RSQRT, which the converter writes as int8 kernels of their own, and NEG,
    which it leaves float between DEQUANTIZE and QUANTIZE (LayerNormalization's
    moments go through RSQRT and NEG so)."""
    keras.utils.set_random_seed(19)
    x_in = keras.Input((64, 2), name="signal")
    m = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    m = keras.layers.Lambda(lambda t: keras.ops.abs(t))(m)
    m = keras.layers.Conv1D(8, 3, padding="same")(m)
    r = keras.layers.Lambda(lambda t: keras.ops.rsqrt(keras.ops.abs(t) + 0.5))(m)
    n = keras.layers.Lambda(lambda t: keras.ops.negative(t))(m)
    m = keras.layers.Concatenate()([r, n])
    m = keras.layers.GlobalAveragePooling1D()(m)
    out = keras.layers.Dense(4)(m)
    return keras.Model(x_in, out)


def layout_model():
    """Keras Permute as an int8 TRANSPOSE, and a mean over the channels (the first
    moment of LayerNormalization) as MEAN over the last axis."""
    keras.utils.set_random_seed(23)
    x_in = keras.Input((64, 2), name="signal")
    a = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    p = keras.layers.Permute((2, 1))(a)
    p = keras.layers.Conv1D(4, 3)(p)
    p = keras.layers.GlobalAveragePooling1D()(p)
    m = keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=-1, keepdims=True))(a)
    m = keras.layers.Conv1D(2, 3)(m)
    m = keras.layers.GlobalAveragePooling1D()(m)
    out = keras.layers.Dense(3)(keras.layers.Concatenate()([p, m]))
    return keras.Model(x_in, out)


def layer_norm_model():
    """LayerNormalization, which the converter writes as int8 MEAN over the channels,
    SQUARED_DIFFERENCE, ADD of epsilon, RSQRT and MULs broadcasting both ways, with the
    mean's negation left as a float NEG."""
    keras.utils.set_random_seed(29)
    x_in = keras.Input((32, 2), name="signal")
    m = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    m = keras.layers.LayerNormalization()(m)
    m = keras.layers.GlobalAveragePooling1D()(m)
    return keras.Model(x_in, keras.layers.Dense(3)(m))


def slice_model():
    """Slices of a sequence (every other step of a window, some channels; the last
    step, its time axis shrunk), which the converter writes as int8 STRIDED_SLICE."""
    keras.utils.set_random_seed(31)
    x_in = keras.Input((64, 2), name="signal")
    a = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    s = keras.layers.Lambda(lambda t: t[:, 4:60:2, 1:7])(a)
    s = keras.layers.Conv1D(4, 3)(s)
    s = keras.layers.GlobalAveragePooling1D()(s)
    last = keras.layers.Lambda(lambda t: t[:, -1, :])(a)
    out = keras.layers.Dense(3)(keras.layers.Concatenate()([s, last]))
    return keras.Model(x_in, out)


def split_model():
    """A sequence split into channel halves (SPLIT) and its first steps unstacked
    (UNPACK), which the converter writes as int8 ops that move bytes."""
    keras.utils.set_random_seed(37)
    x_in = keras.Input((64, 2), name="signal")
    a = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    p, q = keras.layers.Lambda(lambda t: keras.ops.split(t, 2, axis=-1))(a)
    p = keras.layers.Conv1D(2, 3)(p)
    p = keras.layers.GlobalAveragePooling1D()(p)
    steps = keras.layers.Lambda(lambda t: keras.ops.unstack(t[:, :4, :], axis=1))(q)
    out = keras.layers.Dense(3)(keras.layers.Concatenate()([p] + list(steps)))
    return keras.Model(x_in, out)


def prelu_model():
    """PReLU with one slope per channel, which the converter writes as int8 PRELU."""
    keras.utils.set_random_seed(41)
    x_in = keras.Input((64, 2), name="signal")
    a = keras.layers.Conv1D(8, 5, padding="same")(x_in)
    a = keras.layers.PReLU(shared_axes=[1], alpha_initializer=keras.initializers.RandomUniform(-0.5, 0.5))(a)
    a = keras.layers.Conv1D(4, 3)(a)
    a = keras.layers.GlobalAveragePooling1D()(a)
    return keras.Model(x_in, keras.layers.Dense(3)(a))


def family(name):
    """A trained issue-#10 family, as ../families/make_family_fixtures.py saved it."""
    return lambda: keras.saving.load_model(os.path.join(HERE, "..", "families", name + ".keras"))


CASES = [
    # name, builder, seed, int8 boundary (True) or float boundary (False)
    ("design_int8", design_model, 101, True),
    ("design_float_io", design_model, 102, False),
    ("separable_int8", separable_model, 201, True),
    ("add_concat_int8", add_concat_model, 301, True),
    ("family_bn_after_act_int8", family("bn_after_act"), 401, True),
    ("family_rr_norm_int8", family("rr_norm"), 402, True),
    ("family_residual_int8", family("residual"), 403, True),
    ("family_transformer_int8", family("transformer"), 404, True),
    ("activations_int8", activations_model, 501, True),
    ("elementwise_int8", elementwise_model, 502, True),
    ("layout_int8", layout_model, 503, True),
    ("layer_norm_int8", layer_norm_model, 504, True),
    ("slice_int8", slice_model, 505, True),
    ("split_int8", split_model, 506, True),
    ("prelu_int8", prelu_model, 507, True),
]


def convert(model, int8_io, calibration):
    names = [t.name.split(":")[0] for t in model.inputs]

    def representative():
        # Keyed by input name: the converter's signature orders inputs its own way.
        for sample in calibration:
            yield {n: np.asarray(x, dtype=np.float32)[None] / 32.0 for n, x in zip(names, sample)}

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int8_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def main():
    # With case names as arguments, only those are regenerated; the others keep their
    # files and manifest entries.
    only = set(sys.argv[1:])
    manifest = {"generator": "splitmix64", "samples": SAMPLES, "cases": []}
    kept = {}
    if only:
        with open(os.path.join(HERE, "manifest.json")) as f:
            kept = {c["name"]: c for c in json.load(f)["cases"]}
    for name, build, seed, int8_io in CASES:
        if only and name not in only:
            if name in kept:
                manifest["cases"].append(kept[name])
            continue
        model = build()
        shapes = [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]
        calibration = sample_inputs(seed + 1_000_000, shapes, 200)
        flatbuffer = convert(model, int8_io, calibration)
        with open(os.path.join(HERE, name + ".tflite"), "wb") as f:
            f.write(flatbuffer)

        interp = Interpreter(model_content=flatbuffer,
                             experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        interp.allocate_tensors()
        ins = interp.get_input_details()
        outs = interp.get_output_details()
        ops = sorted({op["op_name"] for op in interp._get_ops_details()})
        # Interpreter input order can differ from Keras's: match by shape.
        order = []
        for d in ins:
            shape = tuple(int(v) for v in d["shape"][1:])
            candidates = [i for i, s in enumerate(shapes) if s == shape and i not in order]
            order.append(candidates[0])
        samples = sample_inputs(seed, [shapes[i] for i in order], SAMPLES)
        expected = bytearray()
        for sample in samples:
            for d, x in zip(ins, sample):
                if d["dtype"] == np.int8:
                    interp.set_tensor(d["index"], x[None])
                else:
                    interp.set_tensor(d["index"], (x.astype(np.float32) / 32.0)[None])
            interp.invoke()
            for d in outs:
                expected += interp.get_tensor(d["index"]).tobytes()
        with open(os.path.join(HERE, name + ".expected.bin"), "wb") as f:
            f.write(bytes(expected))
        manifest["cases"].append({
            "name": name,
            "seed": seed,
            "ops": ops,
            "inputs": [{"name": d["name"], "shape": [int(v) for v in d["shape"][1:]],
                        "dtype": np.dtype(d["dtype"]).name,
                        "quantization": [float(d["quantization"][0]), int(d["quantization"][1])]} for d in ins],
            "outputs": [{"name": d["name"], "shape": [int(v) for v in d["shape"][1:]],
                         "dtype": np.dtype(d["dtype"]).name,
                         "quantization": [float(d["quantization"][0]), int(d["quantization"][1])]} for d in outs],
        })
        print(name, ops, len(flatbuffer), "bytes;", len(expected), "expected bytes", file=sys.stderr)
    manifest["versions"] = {"tensorflow": tf.__version__, "keras": keras.__version__,
                            "numpy": np.__version__}
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
