"""The issue #10 model families: builders shared by make_family_fixtures.py (Keras,
ONNX) and ../tflite/make_tflite_fixtures.py (int8 .tflite)."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "Models", "arrhythmia")


def calibration_data():
    z = np.load(os.path.join(DATA, "calibration.npz"))
    return [z["input_0"], z["input_1"]], z["labels"]


def validation_data():
    z = np.load(os.path.join(DATA, "validation.npz"))
    return [z["input_0"], z["input_1"]], z["labels"]


def _layers():
    import keras
    return keras, keras.layers


def bn_after_act(rr):
    keras, L = _layers()
    beat = keras.Input((256, 1), name="beat")
    # Training-time noise as in residual and transformer (README, "Whole models").
    x = L.GaussianNoise(0.02)(beat)
    h = L.Conv1D(8, 7, activation="relu")(x)
    # Momentum 0.9: 40 epochs of 300 beats are 400 steps, which leave Keras' default
    # (0.99) moving statistics near their initial values, and the model then gave one
    # class to every beat at inference.
    h = L.BatchNormalization(momentum=0.9)(h)
    h = L.GaussianNoise(0.3)(h)
    h = L.MaxPooling1D(2)(h)
    h = L.Conv1D(16, 5, strides=2, activation="relu")(h)
    h = L.BatchNormalization(momentum=0.9)(h)
    h = L.GlobalAveragePooling1D()(h)
    h = L.GaussianNoise(0.3)(h)
    return keras.Model(beat, L.Dense(5, activation="softmax")(h), name="bn_after_act")


def rr_norm(rr):
    keras, L = _layers()
    beat = keras.Input((256, 1), name="beat")
    rr_in = keras.Input((4,), name="rr")
    norm = L.Normalization()
    norm.adapt(rr)
    x = L.GaussianNoise(0.02)(beat)  # training-time noise as in residual
    h = L.Conv1D(8, 7, strides=2, activation="relu")(x)
    h = L.MaxPooling1D(2)(h)
    h = L.Conv1D(16, 5, strides=2, activation="relu")(h)
    h = L.GlobalAveragePooling1D()(h)
    h = L.GaussianNoise(0.3)(h)
    h = L.Concatenate()([h, norm(rr_in)])
    return keras.Model([beat, rr_in], L.Dense(5, activation="softmax")(h), name="rr_norm")


def _recurrent(cell, name):
    keras, L = _layers()
    beat = keras.Input((256, 1), name="beat")
    h = L.Reshape((32, 8))(beat)
    h = L.Bidirectional(cell(12))(h)
    return keras.Model(beat, L.Dense(5, activation="softmax")(h), name=name)


def bigru(rr):
    keras, L = _layers()
    return _recurrent(L.GRU, "bigru")


def bilstm(rr):
    keras, L = _layers()
    return _recurrent(L.LSTM, "bilstm")


def residual(rr):
    keras, L = _layers()
    beat = keras.Input((256, 1), name="beat")
    # Noise injection, active in training only (every tool drops GaussianNoise at
    # inference): trained on 300 beats, a classifier otherwise leaves beats a hair from
    # a class boundary, where int8's rounding flips them. σ 0.02 is about the int8
    # input step of these beats (README, "Whole models").
    x = L.GaussianNoise(0.02)(beat)
    h = L.Conv1D(8, 5, padding="causal", activation="relu")(x)
    for d in (2, 4, 8):
        r = L.Conv1D(8, 3, padding="causal", dilation_rate=d, activation="relu")(h)
        h = L.Add()([h, r])
    h = L.MaxPooling1D(4)(h)
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(beat, L.Dense(5, activation="softmax")(h), name="residual")


def transformer(rr):
    keras, L = _layers()
    beat = keras.Input((256, 1), name="beat")
    # Training-time noise as in residual, also on the patch embedding and the pooled
    # features: attention's softmax sharpens small differences.
    x = L.GaussianNoise(0.03)(beat)
    h = L.Conv1D(16, 8, strides=8)(x)  # 32 patches of 8 samples
    h = L.GaussianNoise(0.3)(h)
    a = L.MultiHeadAttention(num_heads=2, key_dim=8)(h, h)
    h = L.LayerNormalization()(L.Add()([h, a]))
    f = L.Dense(32, activation="relu")(h)
    f = L.Dense(16)(f)
    h = L.LayerNormalization()(L.Add()([h, f]))
    h = L.GlobalAveragePooling1D()(h)
    h = L.GaussianNoise(0.3)(h)
    return keras.Model(beat, L.Dense(5, activation="softmax")(h), name="transformer")


# name: (builder, whether the model takes the RR features too)
FAMILIES = {
    "bn_after_act": (bn_after_act, False),
    "rr_norm": (rr_norm, True),
    "bigru": (bigru, False),
    "bilstm": (bilstm, False),
    "residual": (residual, False),
    "transformer": (transformer, False),
}
