"""PyTorch parity for MedPipe checkpoints.
Usage: python3 tools/reference/torch_parity.py DIR
For every DIR/<name>.safetensors written by MedPipe (with DIR/<name>.inputs.safetensors holding "input"),
builds the model in PyTorch twice — from the course definition in torch_models.py (by the checkpoint's
model_name) and from the checkpoint's architecture metadata — checks both are the same modules, loads the
checkpoint with load_state_dict(strict=True), runs the inputs in eval mode and writes
DIR/<name>.torch.safetensors with "logits" and the parameter count ("parameters", int64)."""
import glob, json, os, sys
import torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import BUILTIN, from_architecture

torch.set_num_threads(1)
folder = sys.argv[1]
for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
    if path.endswith(".inputs.safetensors") or path.endswith(".torch.safetensors"):
        continue
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    arch = json.loads(meta["architecture"])
    classes = len(json.loads(meta["class_names"]))
    shape = json.loads(meta["input_shape"])
    name = meta["model_name"]
    model = from_architecture(arch)
    if name in BUILTIN:
        kwargs = {"classes": classes}
        if name == "heart-mlp": kwargs["features"] = shape[0]
        if name == "ecg-cnn": kwargs["length"] = shape[1]
        course = BUILTIN[name](**kwargs)
        assert str(course) == str(model), f"{name}: architecture differs from the course model\n{course}\n{model}"
        model = course
    model.load_state_dict(load_file(path), strict=True)
    model.eval()
    x = load_file(path[:-len(".safetensors")] + ".inputs.safetensors")["input"]
    with torch.no_grad():
        logits = model(x)
    count = sum(p.numel() for p in model.parameters())
    save_file({"logits": logits.contiguous(), "parameters": torch.tensor([count], dtype=torch.int64)},
              path[:-len(".safetensors")] + ".torch.safetensors")
    print(f"{name}: {count} parameters, logits {tuple(logits.shape)}")
