#!/usr/bin/env python3
"""Generates the Keras importer fixtures: model files and the outputs Keras computes.

Every model is built twice -- with Keras 3 (TensorFlow backend) and with tf_keras
(the Keras 2 code line, which writes Keras-2 style files) -- random-initialized with
non-trivial biases and BatchNormalization statistics, and saved in both formats:

    <keras>_<model>.h5      legacy HDF5 (`model.save("m.h5")`): root attribute
                            `model_config` + `model_weights/<layer>/...`
    <keras>_<model>.keras   zip archive: config.json, metadata.json, model.weights.h5

with <keras> = `k3` (Keras 3.15) or `k2` (tf_keras 2.21). Next to each model pair,
`<keras>_<model>.npz` holds seeded random inputs (`input_0`, `input_1`, ...) and
the outputs Keras' `model.predict` computes for them (`output_0`, ...), batch
included. The Swift test `KerasImportTests` imports every file, runs it and
compares with |vigil - keras| <= 1e-6 + 1e-5 * |keras|.

Bad inputs (`bad_*`) are small models that the importer must reject with a
specific `ImportError`: an unsupported layer (Conv2D, Lambda), NaN / infinite
weights, a missing weight, a weight of the wrong shape, Conv1D channels_first,
LSTM return_state, and a weights-only HDF5 file without a model config.
Truncated and byte-flipped files are made by the Swift tests from good fixtures.

Keras-3-only models (`k3_activations`: every activation Keras 3 names, the ELU and
Activation layers; `k3_normalization`: an adapted Normalization on the RR input, an
inverted one on an output, Rescaling of the ADC input; `k3_shapes`: a causal dilated
Conv1D, Cropping1D, UpSampling1D, Permute, RepeatVector, Dense per step; `k3_layer_norm`:
LayerNormalization with and without center, around a residual Add; `k3_merges`: Maximum
of three inputs (one through a PReLU shared over time) and Minimum of two;
`k3_bidirectional`: Bidirectional GRU, LSTM and SimpleRNN in every merge mode,
sequences and last states, and a SimpleRNN; `k3_attention`: Attention with and without a learned scale and a key, Dot along
features and along time, TimeDistributed(Dense); `k3_transformer`: an encoder block
(two-head self-attention, residual LayerNormalization, GELU feed-forward) and a one-head
cross-attention with its own value width; `k3_unit_norm`: UnitNormalization of a
sequence and of a vector; `k3_transposed`: Conv1DTranspose with valid and same padding,
strides 1 and 2) are written by Keras 3 alone;
`--keras3-layers` rewrites just those.

Regenerate (deterministic; pinned versions in requirements.txt):

    /work/venv/bin/python Tests/VigilImportTests/Fixtures/keras/make_keras_fixtures.py

tf_keras 2.21 declares a dependency on the `tensorflow` distribution, which would
pull a second TensorFlow next to `tensorflow-cpu`; install it with
`pip install --no-deps tf-keras==2.21.0` (it runs on tensorflow-cpu unchanged).
"""

import io
import os
import shutil
import sys
import tempfile
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tf_keras  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "Models"))
from design_model import design_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 3


# MARK: - Models (the same builders serve Keras 3 and tf_keras)

def is_keras3(K):
    return K is keras


def leaky_relu(K, slope):
    return K.layers.LeakyReLU(negative_slope=slope) if is_keras3(K) else K.layers.LeakyReLU(alpha=slope)


def reference(K):
    """DESIGN section 11: a beat window and RR features, concatenated into a classifier."""
    return design_model(K, name="reference")


def gru(K):
    """Causal dilated conv into two stacked GRUs (reset_after both ways, hard_sigmoid gates)."""
    x_in = K.Input((32, 3), name="signal")
    x = K.layers.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="tanh")(x_in)
    x = K.layers.GRU(12, return_sequences=True, recurrent_activation="hard_sigmoid")(x)
    x = K.layers.GRU(6, reset_after=False)(x)
    out = K.layers.Dense(3, activation="sigmoid")(x)
    return K.Model(x_in, out, name="gru_model")


def lstm(K):
    """Two stacked LSTMs, the second without bias, and a Dense with hard_sigmoid."""
    x_in = K.Input((24, 4), name="signal")
    x = K.layers.LSTM(10, return_sequences=True)(x_in)
    x = K.layers.LSTM(5, use_bias=False)(x)
    out = K.layers.Dense(2, activation="hard_sigmoid")(x)
    return K.Model(x_in, out, name="lstm_model")


def separable(K):
    """Separable, depthwise and grouped convolutions with BatchNormalization and dropout."""
    x_in = K.Input((64, 3), name="signal")
    x = K.layers.SeparableConv1D(8, 5, padding="same", depth_multiplier=2, activation="relu")(x_in)
    x = K.layers.BatchNormalization(epsilon=1e-2)(x)
    x = K.layers.Dropout(0.3)(x)
    x = K.layers.DepthwiseConv1D(3, strides=2, depth_multiplier=2)(x)
    x = K.layers.BatchNormalization(center=False)(x)
    x = K.layers.ReLU(max_value=6.0)(x)
    x = K.layers.SpatialDropout1D(0.2)(x)
    x = K.layers.Conv1D(8, 3, groups=2, use_bias=False)(x)
    x = K.layers.BatchNormalization(scale=False)(x)
    x = leaky_relu(K, 0.1)(x)
    x = K.layers.ReLU(max_value=2.5, negative_slope=0.05)(x)
    x = K.layers.GlobalMaxPooling1D()(x)
    x = K.layers.Dense(4)(x)
    out = K.layers.Softmax()(x)
    return K.Model(x_in, out, name="separable_model")


def sequential(K):
    """A Sequential model of shape layers. tf_keras declares the input on the first layer."""
    if is_keras3(K):
        first = [K.Input((20, 2)), K.layers.ZeroPadding1D((1, 2))]
    else:
        first = [K.layers.ZeroPadding1D((1, 2), input_shape=(20, 2))]
    return K.Sequential(first + [
        K.layers.Conv1D(4, 3, strides=2, activation="relu6" if is_keras3(K) else "relu"),
        K.layers.AveragePooling1D(2, padding="same"),
        K.layers.Flatten(),
        K.layers.Dense(12, activation="tanh"),
        K.layers.Reshape((3, 4)),
        K.layers.ZeroPadding1D(1),
        K.layers.Conv1D(2, 1),
        K.layers.AveragePooling1D(2, strides=1),
        K.layers.Activation("sigmoid"),
        K.layers.Flatten(),
        K.layers.Dense(3),
    ], name="sequential_model")


def two_outputs(K):
    """Branches merged by Add, Subtract, Multiply and Average, a Dense shared by two
    calls, keepdims pooling, and two outputs."""
    x_in = K.Input((32, 2), name="signal")
    a = K.layers.Conv1D(4, 3, padding="same")(x_in)
    b = K.layers.Conv1D(4, 5, padding="same")(x_in)
    c = K.layers.Conv1D(4, 1)(x_in)
    s = K.layers.Add()([a, b, c])
    s = K.layers.Activation("relu")(s)
    d = K.layers.Subtract()([a, b])
    m = K.layers.Multiply()([s, d])
    v = K.layers.Average()([m, c])
    t = K.layers.Concatenate(axis=1)([v, a])
    p = K.layers.GlobalAveragePooling1D()(t)
    g = K.layers.GlobalMaxPooling1D(keepdims=True)(t)
    g = K.layers.Flatten()(g)
    shared = K.layers.Dense(4, activation="tanh", name="shared")
    e = K.layers.Concatenate()([shared(p), shared(g)])
    out0 = K.layers.Dense(3, activation="softmax", name="classes")(e)
    q = K.layers.MaxPooling1D(4, strides=3, padding="same")(m)
    q = K.layers.Conv1D(3, 3, strides=2, padding="same")(q)
    q = K.layers.Flatten()(q)
    out1 = K.layers.Dense(2, name="score")(q)
    return K.Model(x_in, [out0, out1], name="two_outputs")


MODELS = {
    "reference": reference,
    "gru": gru,
    "lstm": lstm,
    "separable": separable,
    "sequential": sequential,
    "two_outputs": two_outputs,
}


# Keras 3 only: layers and activations tf_keras lacks or names differently.

ACTIVATIONS = ["elu", "selu", "gelu", "swish", "silu", "softplus", "softsign", "hard_swish", "hard_silu",
               "exponential", "mish", "relu6", "leaky_relu", "linear", "log_softmax"]


def activations(K):
    x_in = K.Input((12,), name="features")
    branches = [K.layers.Dense(4, activation=name, name=f"dense_{name}")(x_in) for name in ACTIVATIONS]
    hidden = K.layers.Dense(6, name="hidden")(x_in)
    branches.append(K.layers.Activation("gelu", name="gelu_layer")(hidden))
    branches.append(K.layers.ELU(alpha=0.7, name="elu_layer")(hidden))
    signal = K.Input((10, 2), name="signal")
    conv = K.layers.Conv1D(3, 3, activation="mish", name="conv_mish")(signal)
    branches.append(K.layers.Flatten()(conv))
    return K.Model([x_in, signal], K.layers.Concatenate()(branches), name="activations")


def normalization(K):
    rng = np.random.default_rng(7)
    beat = K.Input((32, 1), name="beat")
    rr = K.Input((4,), name="rr")
    norm = K.layers.Normalization(name="rr_norm")
    norm.adapt(rng.normal([800, 780, 820, 790], [120, 90, 150, 60], (256, 4)).astype(np.float32))
    r = K.layers.Dense(8, activation="relu", name="rr_dense")(norm(rr))
    b = K.layers.Rescaling(scale=0.01, offset=0.5, name="adc_scale")(beat)
    b = K.layers.Conv1D(4, 5, activation="gelu", name="conv")(b)
    b = K.layers.GlobalAveragePooling1D()(b)
    h = K.layers.Concatenate()([b, r])
    classes = K.layers.Dense(3, activation="softmax", name="classes")(h)
    rr_back = K.layers.Normalization(mean=[800.0, 780.0, 820.0, 790.0], variance=[14400.0, 8100.0, 22500.0, 3600.0],
                                     invert=True, name="rr_denorm")(K.layers.Dense(4, name="rr_pred")(h))
    return K.Model([beat, rr], [classes, rr_back], name="normalization")


def shapes(K):
    x_in = K.Input((16, 3), name="signal")
    x = K.layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu", name="causal")(x_in)
    x = K.layers.Cropping1D((2, 1), name="crop")(x)
    x = K.layers.UpSampling1D(2, name="upsample")(x)
    x = K.layers.Permute((2, 1), name="permute")(x)
    x = K.layers.Flatten()(x)
    x = K.layers.Dense(5, activation="tanh", name="dense")(x)
    x = K.layers.RepeatVector(3, name="repeat")(x)
    out = K.layers.Dense(2, name="per_step")(x)
    return K.Model(x_in, out, name="shapes")


def layer_norm(K):
    x_in = K.Input((12, 8), name="beats")
    h = K.layers.Dense(16, activation="gelu", name="expand")(x_in)
    h = K.layers.LayerNormalization(name="norm1")(h)
    h = K.layers.Dense(8, name="project")(h)
    h = K.layers.Add()([x_in, h])
    h = K.layers.LayerNormalization(center=False, epsilon=1e-5, name="norm2")(h)
    h = K.layers.GlobalAveragePooling1D()(h)
    return K.Model(x_in, K.layers.Dense(3, activation="softmax", name="classes")(h), name="layer_norm")


def merges(K):
    a_in = K.Input((6, 4), name="lead_a")
    b_in = K.Input((6, 4), name="lead_b")
    a = K.layers.Dense(5, name="dense_a")(a_in)
    b = K.layers.Dense(5, name="dense_b")(b_in)
    c = K.layers.PReLU(shared_axes=[1], name="prelu")(K.layers.Dense(5, name="dense_c")(a_in))
    hi = K.layers.Maximum(name="maximum")([a, b, c])
    lo = K.layers.Minimum(name="minimum")([a, b])
    h = K.layers.Concatenate()([hi, lo])
    return K.Model([a_in, b_in], K.layers.Dense(3, name="out")(h), name="merges")


def bidirectional(K):
    x_in = K.Input((10, 3), name="beats")
    h = K.layers.Bidirectional(K.layers.GRU(4, return_sequences=True), merge_mode="concat", name="bigru")(x_in)
    h = K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=True), merge_mode="sum", name="bilstm")(h)
    h = K.layers.Bidirectional(K.layers.GRU(3), merge_mode="ave", name="bigru_last")(h)
    m = K.layers.Bidirectional(K.layers.LSTM(3), merge_mode="mul", name="bilstm_mul")(x_in)
    r = K.layers.SimpleRNN(4, return_sequences=True, name="rnn")(x_in)
    r = K.layers.Bidirectional(K.layers.SimpleRNN(2, activation="relu"), merge_mode="concat", name="birnn")(r)
    h = K.layers.Concatenate()([h, m, r])
    return K.Model(x_in, K.layers.Dense(4, activation="softmax", name="classes")(h), name="bidirectional")


def attention(K):
    q = K.Input((6, 4), name="query")
    v = K.Input((5, 4), name="value")
    t = K.layers.TimeDistributed(K.layers.Dense(4), name="per_step")(q)
    a = K.layers.Attention(name="attention")([t, v])
    k = K.layers.Dense(4, name="key")(v)
    s = K.layers.Attention(use_scale=True, name="scaled_attention")([q, v, k])
    d = K.layers.Dot(axes=(2, 2), name="similarity")([q, v])
    g = K.layers.Dot(axes=(1, 1), name="gram")([q, t])
    h = K.layers.Concatenate()([K.layers.Flatten()(x) for x in (a, s, d, g)])
    return K.Model([q, v], K.layers.Dense(3, name="out")(h), name="attention")


def transformer(K):
    x_in = K.Input((8, 6), name="beats")
    h = K.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="self_attention")(x_in, x_in)
    h = K.layers.LayerNormalization(name="norm1")(K.layers.Add()([x_in, h]))
    f = K.layers.Dense(12, activation="gelu", name="ffn_up")(h)
    f = K.layers.Dense(6, name="ffn_down")(f)
    h = K.layers.LayerNormalization(name="norm2")(K.layers.Add()([h, f]))
    c = K.Input((3, 5), name="context")
    x = K.layers.MultiHeadAttention(num_heads=1, key_dim=3, value_dim=2, name="cross_attention")(h, c)
    h = K.layers.GlobalAveragePooling1D()(K.layers.Concatenate()([h, x]))
    return K.Model([x_in, c], K.layers.Dense(4, activation="softmax", name="classes")(h), name="transformer")


def unit_norm(K):
    x_in = K.Input((7, 5), name="beats")
    h = K.layers.UnitNormalization(name="unit_steps")(K.layers.Dense(6, name="embed")(x_in))
    v = K.layers.UnitNormalization(name="unit_vector")(K.layers.GlobalMaxPooling1D()(h))
    return K.Model(x_in, K.layers.Dense(3, name="out")(v), name="unit_norm")


def transposed(K):
    x_in = K.Input((7, 3), name="features")
    a = K.layers.Conv1DTranspose(4, 3, strides=2, name="valid_s2")(x_in)
    b = K.layers.Conv1DTranspose(2, 5, strides=2, padding="same", activation="relu", name="same_s2")(x_in)
    c = K.layers.Conv1DTranspose(3, 4, padding="same", use_bias=False, name="same_s1")(x_in)
    h = K.layers.Concatenate()([K.layers.Flatten()(a), K.layers.Flatten()(b), K.layers.Flatten()(c)])
    return K.Model(x_in, K.layers.Dense(3, name="out")(h), name="transposed")


KERAS3_MODELS = {
    "activations": activations,
    "normalization": normalization,
    "shapes": shapes,
    "layer_norm": layer_norm,
    "merges": merges,
    "bidirectional": bidirectional,
    "attention": attention,
    "transformer": transformer,
    "unit_norm": unit_norm,
    "transposed": transposed,
}


# MARK: - Weights and outputs

def randomize(model, rng):
    """Random weights everywhere (biases too); BatchNormalization gets real statistics."""
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights or type(layer).__name__ == "Normalization":
            continue
        if type(layer).__name__ == "BatchNormalization":
            names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
            new = []
            for name, w in zip(names, weights):
                if name == "gamma":
                    new.append(rng.uniform(0.5, 1.5, w.shape))
                elif name == "beta":
                    new.append(rng.normal(0, 0.3, w.shape))
                elif name == "moving_mean":
                    new.append(rng.normal(0, 0.5, w.shape))
                else:
                    new.append(rng.uniform(0.3, 2.0, w.shape))
            weights = new
        else:
            weights = [rng.normal(0, 0.4, w.shape) for w in weights]
        layer.set_weights([w.astype(np.float32) for w in weights])


def make_inputs(model, rng):
    return [rng.normal(0, 1, (BATCH,) + tuple(int(d) for d in t.shape[1:])).astype(np.float32)
            for t in model.inputs]


def save_model(model, K, stem):
    model.save(os.path.join(HERE, stem + ".h5"))
    model.save(os.path.join(HERE, stem + ".keras"))


def write_expected(model, stem, rng):
    inputs = make_inputs(model, rng)
    outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    arrays = {f"input_{i}": x for i, x in enumerate(inputs)}
    arrays.update({f"output_{i}": np.asarray(y, dtype=np.float32) for i, y in enumerate(outputs)})
    np.savez(os.path.join(HERE, stem + ".npz"), **arrays)


def write_fixture(K, tag, name, build, seed):
    K.utils.set_random_seed(100 + seed)
    model = build(K)
    rng = np.random.default_rng(1000 + seed)
    randomize(model, rng)
    stem = f"{tag}_{name}"
    save_model(model, K, stem)
    write_expected(model, stem, rng)
    print("wrote", stem)


def keras3_fixtures():
    for seed, (name, build) in enumerate(KERAS3_MODELS.items()):
        write_fixture(keras, "k3", name, build, 50 + seed)
    # A call argument that changes what the layer computes (a causal mask).
    q = keras.Input((6, 4), name="query")
    out = keras.layers.Attention(name="causal")([q, q], use_causal_mask=True)
    keras.Model(q, out).save(os.path.join(HERE, "bad_causal_attention.keras"))
    print("wrote bad_causal_attention")


def good_fixtures():
    for tag, K in (("k3", keras), ("k2", tf_keras)):
        for seed, (name, build) in enumerate(MODELS.items()):
            write_fixture(K, tag, name, build, seed)
    keras3_fixtures()


# MARK: - Bad inputs

def tiny(K=keras):
    x_in = K.Input((6, 2), name="signal")
    x = K.layers.Conv1D(3, 3, name="conv")(x_in)
    x = K.layers.Flatten()(x)
    out = K.layers.Dense(2, name="dense")(x)
    return K.Model(x_in, out, name="tiny")


def rewrite_keras_weights(path, edit):
    """Applies `edit(h5py.File)` to the model.weights.h5 inside a .keras archive."""
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "model.weights.h5")
        with open(weights, "wb") as f:
            f.write(entries["model.weights.h5"])
        with h5py.File(weights, "r+") as f:
            edit(f)
        with open(weights, "rb") as f:
            entries["model.weights.h5"] = f.read()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)


def replace_dataset(f, path, data):
    del f[path]
    f.create_dataset(path, data=data)


def bad_fixtures():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)

    # Layers the importer does not translate.
    x_in = keras.Input((8, 8, 1), name="image")
    x = keras.layers.Conv2D(2, 3, name="conv2d")(x_in)
    x = keras.layers.Flatten()(x)
    model = keras.Model(x_in, keras.layers.Dense(2)(x))
    save_model(model, keras, "bad_conv2d")

    x_in = keras.Input((8, 2), name="signal")
    x = keras.layers.Lambda(lambda t: t * 2.0, name="doubling")(x_in)
    model = keras.Model(x_in, keras.layers.Dense(2)(x))
    model.save(os.path.join(HERE, "bad_lambda.keras"))

    # Conv1D over channels-first data.
    x_in = keras.Input((2, 8), name="signal")
    x = keras.layers.Conv1D(3, 3, data_format="channels_first", name="conv_cf")(x_in)
    model = keras.Model(x_in, x)
    model.save(os.path.join(HERE, "bad_channels_first.keras"))

    # LSTM returning its state.
    x_in = keras.Input((5, 2), name="signal")
    seq, h, c = keras.layers.LSTM(3, return_state=True, name="lstm_state")(x_in)
    model = keras.Model(x_in, h)
    model.save(os.path.join(HERE, "bad_lstm_state.keras"))

    # Non-finite, missing and mis-shaped weights.
    model = tiny()
    randomize(model, rng)
    kernel, bias = model.get_layer("dense").get_weights()
    kernel[1, 0] = np.nan
    model.get_layer("dense").set_weights([kernel, bias])
    save_model(model, keras, "bad_nan")

    model = tiny()
    randomize(model, rng)
    kernel, bias = model.get_layer("conv").get_weights()
    bias[2] = np.inf
    model.get_layer("conv").set_weights([kernel, bias])
    save_model(model, keras, "bad_inf")

    model = tiny()
    randomize(model, rng)
    save_model(model, keras, "bad_missing_weight")
    with h5py.File(os.path.join(HERE, "bad_missing_weight.h5"), "r+") as f:
        del f["model_weights/dense/dense/bias"]
    rewrite_keras_weights(os.path.join(HERE, "bad_missing_weight.keras"),
                          lambda f: f.__delitem__("layers/dense/vars/1"))

    save_model(model, keras, "bad_weight_shape")
    wrong = np.ones((3, 4, 3), dtype=np.float32)
    with h5py.File(os.path.join(HERE, "bad_weight_shape.h5"), "r+") as f:
        replace_dataset(f, "model_weights/conv/conv/kernel", wrong)
    rewrite_keras_weights(os.path.join(HERE, "bad_weight_shape.keras"),
                          lambda f: replace_dataset(f, "layers/conv1d/vars/0", wrong))

    # An HDF5 file with weights but no model config.
    model.save_weights(os.path.join(HERE, "bad_weights_only.weights.h5"))
    print("wrote bad fixtures")


def main():
    if sys.argv[1:] == ["--keras3-layers"]:
        # Only the Keras-3-only models (the others stay as committed).
        keras3_fixtures()
        return
    for name in os.listdir(HERE):
        if name.endswith((".h5", ".keras", ".npz")):
            os.remove(os.path.join(HERE, name))
    good_fixtures()
    bad_fixtures()
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in os.listdir(HERE))
    print(f"fixtures: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
