"""PyTorch parity for MedPipe checkpoints.
Usage: python3 tools/reference/torch_parity.py DIR
For every DIR/<name>.safetensors written by MedPipe (with DIR/<name>.inputs.safetensors holding "input"),
loads it with medpipe_cache.torch.load_model (the nn.Sequential of the checkpoint's architecture metadata,
weights loaded strictly, eval mode), checks it is the same modules as the course definition in
torch_models.py (by the checkpoint's model_name), runs the inputs and writes DIR/<name>.torch.safetensors
with "logits" and the parameter count ("parameters", int64)."""
import glob, os, sys
import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))  # medpipe_cache of this checkout
from torch_models import BUILTIN
from medpipe_cache import read_checkpoint
from medpipe_cache.torch import load_model

torch.set_num_threads(1)
folder = sys.argv[1]
for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
    if path.endswith(".inputs.safetensors") or path.endswith(".torch.safetensors"):
        continue
    checkpoint = read_checkpoint(path)
    classes, shape, name = len(checkpoint.class_names), checkpoint.input_shape, checkpoint.model_name
    model = load_model(path)
    if name in BUILTIN:
        kwargs = {"classes": classes}
        if name == "heart-mlp": kwargs["features"] = shape[0]
        if name == "ecg-cnn": kwargs["length"] = shape[1]
        course = BUILTIN[name](**kwargs)
        assert str(course) == str(model), f"{name}: architecture differs from the course model\n{course}\n{model}"
    x = load_file(path[:-len(".safetensors")] + ".inputs.safetensors")["input"]
    with torch.no_grad():
        logits = model(x)
    count = sum(p.numel() for p in model.parameters())
    save_file({"logits": logits.contiguous(), "parameters": torch.tensor([count], dtype=torch.int64)},
              path[:-len(".safetensors")] + ".torch.safetensors")
    print(f"{name}: {count} parameters, logits {tuple(logits.shape)}")
