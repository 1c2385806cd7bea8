"""The course's models in PyTorch, written from the issue text independently of the Swift code.
Used by torch_parity.py to check that a checkpoint's architecture is the course model. (Models are built
from a checkpoint's architecture by the project's Python package: medpipe_cache.torch.build_model.)"""
import torch.nn as nn


def mnist_cnn(classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, classes))


def mnist_mlp(classes=10, features=784):
    return nn.Sequential(
        nn.Flatten(), nn.Linear(features, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, classes))


def heart_mlp(classes=2, features=13):
    layers, width = [], features
    for units in (128, 64, 32):
        layers += [nn.Linear(width, units), nn.BatchNorm1d(units), nn.ReLU(), nn.Dropout(0.3)]
        width = units
    return nn.Sequential(*layers, nn.Linear(width, classes))


def ecg_cnn(classes=2, length=500):
    layers, c = [], 1
    for out in (32, 64, 128):
        layers += [nn.Conv1d(c, out, 15, padding=7), nn.ReLU(), nn.MaxPool1d(2)]
        c, length = out, length // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * length, 256), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, classes))


def ecg_beat_cnn(classes=4, channels=7):
    layers, c = [], channels
    for i, (out, kernel) in enumerate(((16, 7), (32, 7), (64, 5))):
        if i > 0: layers.append(nn.MaxPool1d(2))
        layers += [nn.Conv1d(c, out, kernel, padding=kernel // 2), nn.BatchNorm1d(out), nn.ReLU()]
        c = out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(c, classes))


def medmnist_cnn(classes=2, channels=1):
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, classes))


def cnn3d(classes=2, channels=1):
    return nn.Sequential(
        nn.Conv3d(channels, 16, 3, padding=1), nn.BatchNorm3d(16), nn.ReLU(), nn.MaxPool3d(2),
        nn.Conv3d(16, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d(2),
        nn.Conv3d(32, 64, 3, padding=1), nn.BatchNorm3d(64), nn.ReLU(),
        nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, classes))


def fer_cnn(classes=7, channels=1):
    layers, c = [], channels
    for out in (32, 64, 128):
        layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(), nn.MaxPool2d(2)]
        c = out
    return nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * 6 * 6, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, classes))


BUILTIN = {"mnist-cnn": mnist_cnn, "mnist-mlp": mnist_mlp, "heart-mlp": heart_mlp, "ecg-cnn": ecg_cnn,
           "ecg-beat-cnn": ecg_beat_cnn,
           "medmnist-cnn": medmnist_cnn, "cnn3d": cnn3d,
           "fer-cnn": fer_cnn}

