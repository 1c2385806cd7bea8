/// The models of the medical deep-learning course, by name, layer for layer as its notebooks build them
/// (kernels 3 and no padding unless stated). The names are shared by the recipe's `train:` section
/// (`MedPipePipeline`) and the trainer; their layers are `MedPipeTrain`'s (`specs(classes:inputShape:)`).
public enum BuiltinModel: String, CaseIterable, Sendable {
    /// MNIST digits, input `[1, 28, 28]`, 10 classes: 1,199,882 parameters.
    case mnistCNN = "mnist-cnn"
    /// MNIST digits as a multilayer perceptron (course A5), input `[1, 28, 28]` flattened to 784:
    /// 784 → 512 → 256 → 10 with ReLU and dropout 0.2, 535,818 parameters.
    case mnistMLP = "mnist-mlp"
    /// UCI heart disease, input `[13]`, 2 classes: 12,642 parameters.
    case heartMLP = "heart-mlp"
    /// ECG beats, input `[1, 500]` (one lead, 500 samples).
    case ecgCNN = "ecg-cnn"
    /// Heartbeats judged on patients the model never saw (`Fixtures/recipes/mitbih-ds1.yaml`), input
    /// `[7, 126]` (the beat, the record's median beat, 5 RR-ratio channels), 4 classes (N, S, V, F): three
    /// Conv → BatchNorm → ReLU blocks of 16, 32 and 64 channels (kernels 7, 7, 5, padding keeping the length,
    /// MaxPool(2) after the first two), global average pooling → Flatten → Dropout(0.5) → Linear(64 → classes):
    /// 15,204 parameters, small so that it has less room to learn each training patient's beat shapes.
    case ecgBeatCNN = "ecg-beat-cnn"
    /// MedMNIST 28×28 images, input `[1, 28, 28]`: 93,378 parameters for 2 classes.
    case medmnistCNN = "medmnist-cnn"
    /// A small 3D CNN for volumes, input `[1, D, H, W]`.
    case cnn3d = "cnn3d"
    /// Facial expressions (FER2013, course E), input `[1, 48, 48]`, 7 classes: three Conv(3, padding 1) →
    /// BatchNorm → ReLU → MaxPool(2) blocks of 32, 64 and 128 channels (48 → 24 → 12 → 6), then
    /// Flatten → Dropout(0.5) → Linear(4608 → 128) → ReLU → Dropout(0.5) → Linear(→ 7).
    case ferCNN = "fer-cnn"
}
