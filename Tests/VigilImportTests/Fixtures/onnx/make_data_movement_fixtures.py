"""Makes the data movement and recurrent-direction fixtures for
Tests/VigilImportTests/ONNXDataMovementTests.swift.

Run from this directory with the pinned environment (requirements.txt):

    python make_data_movement_fixtures.py

Same format and reference as make_onnx_fixtures.py (whose `save` it uses): NAME.onnx
and NAME.json with random inputs and ONNX Runtime's outputs (CPU provider, graph
optimizations off), in ONNX's own axis order. The models cover the run-time ops a
layout relabel cannot replace: a strided Slice with a negative step, a Gather with
2-D (and negative) indices, a Transpose that a Reshape then reads in ONNX order, an
Expand, a Concat with a constant operand (at batch 1, see `concat_constant`); and GRU/LSTM in the reverse and
bidirectional directions, with LSTM peepholes and the cell-state output.
`bidirectional_mixed_activations` has no JSON: its directions use different
activations, which Vigil refuses.
"""
import numpy as np
from onnx import helper

from make_onnx_fixtures import helper_model, init, save, value

RNG = np.random.default_rng(20250311)
BATCH = 2


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def ints(*values):
    return np.array(values, dtype=np.int64)


def moves():
    nodes = [
        # x [N, 6, 5] → [N, 3, 3]: rows 5, 3, 1 (a start past the end clamps to it) and
        # columns 0, 2, 4.
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
        # → [N, 3, 2, 2], picking columns [[2, 0], [-1 → 2, 1]].
        helper.make_node("Gather", ["s", "indices"], ["g"], axis=2, name="gather"),
        # A transpose, then a reshape that reads ONNX order: a run-time transpose.
        helper.make_node("Transpose", ["g"], ["t"], perm=[0, 3, 1, 2], name="transpose"),
        helper.make_node("Reshape", ["t", "flat"], ["moved"], name="flatten"),
        # z [N, 1, 5] → [N, 4, 5].
        helper.make_node("Expand", ["z", "target"], ["expanded"], name="expand"),
    ]
    initializers = [
        init("starts", ints(9, 0)), init("ends", ints(-100, 5)), init("axes", ints(1, 2)), init("steps", ints(-2, 2)),
        init("indices", ints(2, 0, -1, 1).reshape(2, 2)), init("flat", ints(0, -1)), init("target", ints(1, 4, 5)),
    ]
    save("data_movement", helper_model(nodes, [value("x", ["N", 6, 5]), value("z", ["N", 1, 5])],
                                       [value("moved", ["N", 12]), value("expanded", ["N", 4, 5])], initializers, opset=17),
         {"x": rand(BATCH, 6, 5), "z": rand(BATCH, 1, 5)})


def concat_constant():
    """A constant [1, 2, 5] after run-time data [N, 3, 5]. ONNX's Concat does not
    broadcast, so ONNX Runtime runs it at batch 1; Vigil repeats the constant for every
    batch item (ONNXDataMovementTests checks a larger batch by hand)."""
    concat = helper.make_node("Concat", ["x", "c"], ["joined"], axis=1, name="concat")
    save("concat_constant", helper_model([concat], [value("x", ["N", 3, 5])], [value("joined", ["N", 5, 5])],
                                         [init("c", rand(1, 2, 5))], opset=17),
         {"x": rand(1, 3, 5)})


def recurrent_directions():
    steps, features, gru_units, lstm_units = 4, 3, 5, 3
    nodes = [
        helper.make_node("GRU", ["x", "gW", "gR", "gB"], ["gru_y", "gru_h"], hidden_size=gru_units,
                         direction="bidirectional", linear_before_reset=1, name="bigru"),
        helper.make_node("LSTM", ["x", "lW", "lR", "lB", "", "", "", "lP"], ["lstm_y", "lstm_h", "lstm_c"],
                         hidden_size=lstm_units, direction="reverse", name="reverse_lstm"),
        helper.make_node("LSTM", ["x", "bW", "bR", "bB"], ["", "bilstm_h"], hidden_size=lstm_units,
                         direction="bidirectional", name="bilstm"),
    ]
    initializers = [
        init("gW", rand(2, 3 * gru_units, features, scale=0.5)), init("gR", rand(2, 3 * gru_units, gru_units, scale=0.5)),
        init("gB", rand(2, 6 * gru_units, scale=0.3)),
        init("lW", rand(1, 4 * lstm_units, features, scale=0.5)), init("lR", rand(1, 4 * lstm_units, lstm_units, scale=0.5)),
        init("lB", rand(1, 8 * lstm_units, scale=0.3)), init("lP", rand(1, 3 * lstm_units, scale=0.5)),
        init("bW", rand(2, 4 * lstm_units, features, scale=0.5)), init("bR", rand(2, 4 * lstm_units, lstm_units, scale=0.5)),
        init("bB", rand(2, 8 * lstm_units, scale=0.3)),
    ]
    outputs = [
        value("gru_y", [steps, 2, "N", gru_units]), value("gru_h", [2, "N", gru_units]),
        value("lstm_y", [steps, 1, "N", lstm_units]), value("lstm_h", [1, "N", lstm_units]), value("lstm_c", [1, "N", lstm_units]),
        value("bilstm_h", [2, "N", lstm_units]),
    ]
    save("recurrent_directions", helper_model(nodes, [value("x", [steps, "N", features])], outputs, initializers, opset=17),
         {"x": rand(steps, BATCH, features)})


def bidirectional_mixed_activations():
    gru = helper.make_node("GRU", ["x", "W", "R"], ["y"], hidden_size=2, direction="bidirectional",
                           activations=["Sigmoid", "Tanh", "Sigmoid", "Relu"], name="mixed")
    save("bidirectional_mixed_activations", helper_model(
        [gru], [value("x", [3, "N", 2])], [value("y", [3, 2, "N", 2])],
        [init("W", rand(2, 6, 2)), init("R", rand(2, 6, 2))]))


if __name__ == "__main__":
    moves()
    concat_constant()
    recurrent_directions()
    bidirectional_mixed_activations()
    print("data movement fixtures written")
