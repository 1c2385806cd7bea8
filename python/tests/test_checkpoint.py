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


def test_only_medpipes_layers_are_built():
    with pytest.raises(ValueError, match="type 'Transformer' is not one of MedPipe's layers"):
        build_model([{"type": "Transformer"}])
    assert isinstance(build_model([{"type": "Linear", "in_features": 2, "out_features": 3}])[0], torch.nn.Linear)
