"""Grad-CAM maps from pytorch-grad-cam for a MedPipe checkpoint, to compare with MedPipe's.
Usage: python3 tools/reference/gradcam_parity.py MODEL.safetensors INPUTS.npy LAYER OUT.npy [gradcam|gradcam++]
Loads the checkpoint with medpipe_cache.torch.load_model (nn.Sequential, weights strict, eval mode), runs
pytorch_grad_cam.GradCAM (or GradCAMPlusPlus) on layer LAYER for the predicted class of each input, and saves the maps
(N, spatial...) as float32. pytorch-grad-cam is installed with `pip install --no-deps grad-cam` (plus
opencv-python-headless and ttach); PyPI's torchvision does not load beside torch's CPU build, so the
few torchvision names it imports at load time get stand-ins here (none of them is used by GradCAM)."""
import os, sys, types
import numpy as np
import torch

tv = types.ModuleType("torchvision")
transforms = types.ModuleType("torchvision.transforms")
functional = types.ModuleType("torchvision.transforms.functional")
for name in ("Compose", "Normalize", "ToTensor"):
    setattr(transforms, name, None)
functional.resize = None
tv.transforms, transforms.functional = transforms, functional
sys.modules.update({"torchvision": tv, "torchvision.transforms": transforms, "torchvision.transforms.functional": functional})
from pytorch_grad_cam import GradCAM, GradCAMPlusPlus  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))  # medpipe_cache of this checkout
from medpipe_cache.torch import load_model  # noqa: E402

model_path, inputs_path, layer, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
method = {"gradcam": GradCAM, "gradcam++": GradCAMPlusPlus}[sys.argv[5] if len(sys.argv) > 5 else "gradcam"]
torch.set_num_threads(1)
model = load_model(model_path)
x = torch.from_numpy(np.load(inputs_path))
with method(model=model, target_layers=[model[layer]]) as cam:
    # pytorch-grad-cam scales each map to [0, 1] and resizes it to the input with OpenCV.
    maps = cam(input_tensor=x, targets=None)
np.save(out_path, maps.astype(np.float32))
print(f"{len(maps)} maps of shape {maps.shape[1:]}")
