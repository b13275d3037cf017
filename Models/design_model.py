"""The DESIGN §11 reference architecture, defined once for every script that builds it
(training, fixture generators, the peers benchmark).

    sys.path.insert(0, <repository>/Models); from design_model import design_model
"""


def design_model(keras, window=256, name=None):
    """Beat window [window, 1] and 4 RR features → Conv1D 16/32/64 with pooling → global
    average → concatenated with the RR features → Dense 32 → Dense 5 (softmax).

    `keras` is the module to build with (Keras 3 or tf_keras); seeding is the caller's.
    """
    beat = keras.Input((window, 1), name="beat")
    rr = keras.Input((4,), name="rr")
    x = keras.layers.Conv1D(16, 7, padding="same", activation="relu")(beat)
    x = keras.layers.MaxPooling1D(2)(x)
    x = keras.layers.Conv1D(32, 5, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling1D(2)(x)
    x = keras.layers.Conv1D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.Concatenate()([x, rr])
    x = keras.layers.Dense(32, activation="relu")(x)
    out = keras.layers.Dense(5, activation="softmax")(x)
    return keras.Model([beat, rr], out, **({"name": name} if name else {}))
