"""Writes Tests/Reference/train_tiny_*.safetensors: tiny models initialized by PyTorch (with random
BatchNorm running statistics), their architecture in MedPipe's metadata form, fixed inputs, and what
PyTorch computes from them: evaluation and training logits, the weighted cross-entropy loss, every
parameter gradient, BatchNorm running statistics after one training forward, and parameters after two
steps of SGD (momentum, weight decay), Adam (L2 weight decay) and AdamW.
Run: python3 tools/reference/torch_tiny.py   (needs torch and safetensors)"""
import copy, json, os, sys
import torch
import torch.nn as nn
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))  # medpipe_cache of this checkout
from medpipe_cache.torch import build_model

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Reference")

CASES = {
    "2d": ([{"type": "Conv2d", "in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 1, "padding": 1},
            {"type": "BatchNorm2d", "num_features": 4, "eps": 1e-5, "momentum": 0.1},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "kernel_size": 2, "stride": 2},
            {"type": "Conv2d", "in_channels": 4, "out_channels": 5, "kernel_size": 3, "stride": 2, "padding": 1},
            {"type": "ReLU"},
            {"type": "AvgPool2d", "kernel_size": 2, "stride": 1},
            {"type": "AdaptiveAvgPool2d", "output_size": 1},
            {"type": "Flatten"},
            {"type": "Linear", "in_features": 5, "out_features": 3}], [2, 9, 10]),
    "1d": ([{"type": "Conv1d", "in_channels": 1, "out_channels": 3, "kernel_size": 5, "stride": 1, "padding": 2},
            {"type": "BatchNorm1d", "num_features": 3, "eps": 1e-5, "momentum": 0.1},
            {"type": "ReLU"},
            {"type": "MaxPool1d", "kernel_size": 2, "stride": 2},
            {"type": "Conv1d", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 0},
            {"type": "ReLU"},
            {"type": "Flatten"},
            {"type": "Linear", "in_features": 16, "out_features": 6},
            {"type": "BatchNorm1d", "num_features": 6, "eps": 1e-5, "momentum": 0.1},
            {"type": "ReLU"},
            {"type": "Linear", "in_features": 6, "out_features": 2}], [1, 20]),
    "3d": ([{"type": "Conv3d", "in_channels": 1, "out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1},
            {"type": "BatchNorm3d", "num_features": 3, "eps": 1e-5, "momentum": 0.1},
            {"type": "ReLU"},
            {"type": "MaxPool3d", "kernel_size": 2, "stride": 2},
            {"type": "Conv3d", "in_channels": 3, "out_channels": 4, "kernel_size": 2, "stride": 1, "padding": 0},
            {"type": "ReLU"},
            {"type": "AdaptiveAvgPool3d", "output_size": 1},
            {"type": "Flatten"},
            {"type": "Linear", "in_features": 4, "out_features": 3}], [1, 6, 6, 6]),
}


def steps(model, opt, x, y, loss_fn, n=2):
    model.train()
    for _ in range(n):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def main():
    for name, (arch, shape) in CASES.items():
        torch.manual_seed(7)
        model = build_model(arch)
        for m in model:
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        classes = arch[-1]["out_features"]
        x = torch.randn(4, *shape)
        y = torch.tensor([0, 1, classes - 1, 1])
        w = torch.linspace(0.5, 2.0, classes)
        loss_fn = nn.CrossEntropyLoss(weight=w)
        initial = copy.deepcopy(model)

        meta = {"format": "medpipe.sequential.v1", "architecture": json.dumps(arch),
                "class_names": json.dumps([f"c{i}" for i in range(classes)]), "input_shape": json.dumps(shape),
                "normalization": "", "recipe_hash": "", "model_name": f"tiny-{name}"}
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        save_file(state, os.path.join(ROOT, f"train_tiny_{name}.safetensors"), metadata=meta)

        out = {"input": x, "labels": y.to(torch.int64), "class_weights": w}
        model.eval()
        with torch.no_grad():
            out["logits_eval"] = model(x)
        model.train()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        out["logits_train"] = logits.detach()
        out["loss"] = loss.detach().reshape(1)
        for k, p in model.named_parameters():
            out["grad." + k] = p.grad.detach().clone()
        for k, v in model.state_dict().items():
            if "running" in k:
                out["after_train." + k] = v.clone()
        m = copy.deepcopy(initial)
        for k, v in steps(m, torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3), x, y, loss_fn).items():
            out["sgd2." + k] = v
        m = copy.deepcopy(initial)
        for k, v in steps(m, torch.optim.Adam(m.parameters(), lr=0.01, weight_decay=1e-3), x, y, loss_fn).items():
            out["adam2." + k] = v
        m = copy.deepcopy(initial)
        for k, v in steps(m, torch.optim.AdamW(m.parameters(), lr=0.01, weight_decay=0.05), x, y, loss_fn).items():
            out["adamw2." + k] = v
        save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(ROOT, f"train_tiny_{name}_expected.safetensors"),
                  metadata={"torch": torch.__version__})
        print(name, "loss", float(loss))


if __name__ == "__main__":
    main()
