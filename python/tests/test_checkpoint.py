"""load_model on the tiny checkpoints of Tests/Reference (PyTorch-initialized, in MedPipe's checkpoint
format) gives the evaluation logits PyTorch computed when writing them; broken files are clear errors."""
import pytest
import torch

from conftest import REFERENCE
from medpipe_cache import CacheError, read_checkpoint, read_safetensors
from medpipe_cache.torch import build_model, load_model


@pytest.mark.parametrize("name", ["1d", "2d", "3d"])
def test_tiny_reference_models_give_pytorchs_logits(name):
    path = REFERENCE / f"train_tiny_{name}.safetensors"
    expected, _ = read_safetensors(REFERENCE / f"train_tiny_{name}_expected.safetensors")
    model = load_model(path)
    checkpoint = read_checkpoint(path)
    assert len(model) == len(checkpoint.architecture) and checkpoint.model_name == f"tiny-{name}"
    with torch.no_grad():
        logits = model(torch.from_numpy(expected["input"]))
    assert torch.allclose(logits, torch.from_numpy(expected["logits_eval"]), rtol=0, atol=1e-6)
    assert expected["labels"].dtype.name == "int64"


def test_broken_checkpoints_are_errors_naming_the_file(tmp_path):
    data = (REFERENCE / "train_tiny_2d.safetensors").read_bytes()
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(data[:-4])
    with pytest.raises(CacheError, match=f"^{truncated}: tensor '9.weight' .* does not fit its data_offsets"):
        read_checkpoint(truncated)
    short = tmp_path / "short.safetensors"
    short.write_bytes(data[:6])
    with pytest.raises(CacheError, match="too short"):
        read_checkpoint(short)


def test_layers_larger_than_the_file_are_refused_before_they_are_built(tmp_path):
    """A checkpoint whose architecture declares more weights than its tensors hold is refused naming the file, as
    `medpipe` refuses it, before PyTorch allocates them: a damaged size asked for 4 × 10^18 bytes."""
    import json
    import struct
    header = {"__metadata__": {"format": "medpipe.sequential.v1", "class_names": '["a", "b"]', "input_shape": "[1000000000000]",
                               "architecture": json.dumps([{"type": "Linear", "in_features": 1000000000000, "out_features": 1000000}])},
              "0.weight": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]}, "0.bias": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}
    text = json.dumps(header).encode()
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(16))
    with pytest.raises(CacheError, match=f"^{path}: its architecture declares 1000000000000000000 weights, its tensors hold 4 values"):
        load_model(path)


def test_only_medpipes_layers_are_built():
    with pytest.raises(ValueError, match="type 'Transformer' is not one of MedPipe's layers"):
        build_model([{"type": "Transformer"}])
    assert isinstance(build_model([{"type": "Linear", "in_features": 2, "out_features": 3}])[0], torch.nn.Linear)
