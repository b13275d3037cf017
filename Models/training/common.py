"""What both training scripts share: a log that is also written to training.log, the
results file, and the ONNX export (tf2onnx, opset 17)."""
import json
import os


class Log:
    def __init__(self):
        self.lines = []

    def __call__(self, *parts):
        line = " ".join(str(p) for p in parts)
        print(line, flush=True)
        self.lines.append(line)

    def finish(self, out, results_name, results, seconds):
        """Writes `results` as out/results_name and the log as out/training.log."""
        with open(os.path.join(out, results_name), "w") as f:
            json.dump(results, f, indent=1)
        self(f"done in {seconds:.0f} s")
        with open(os.path.join(out, "training.log"), "w") as f:
            f.write("\n".join(self.lines) + "\n")


def export_onnx(model, path):
    """The Keras model as ONNX, each input named as in Keras, batch axis free."""
    import tensorflow as tf
    import tf2onnx
    spec = tuple(tf.TensorSpec((None,) + tuple(i.shape[1:]), tf.float32, name=i.name) for i in model.inputs)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
