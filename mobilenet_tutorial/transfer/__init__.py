"""Transfer learning (chapter 6): a pretrained MobileNetV2 with a new head, and cached features.

- :mod:`.classifier`: the pretrained network with a new last layer, split, frozen or
  fine-tuned, trained in rounds of a fixed number of images, saved and loaded;
- :mod:`.features`: a frozen backbone's outputs, computed once and cached on disk.

The names of :mod:`.classifier` are importable from this package too, as they were from
the old module ``mobilenet_tutorial.transfer``.
"""

from .classifier import (
    NUM_BLOCKS,
    WEIGHTS,
    CountingLoader,
    Frozen,
    Prediction,
    freeze,
    load_classifier,
    mobilenet_v2_classifier,
    param_groups,
    predict_image,
    round_loader,
    save_classifier,
    split_model,
    train_head,
)
from .features import FeatureCache, Features, extract_features, module_fingerprint

__all__ = ["WEIGHTS", "NUM_BLOCKS", "mobilenet_v2_classifier", "split_model", "freeze",
           "Frozen", "param_groups", "train_head", "round_loader", "CountingLoader",
           "Prediction", "predict_image", "save_classifier", "load_classifier",
           "Features", "FeatureCache", "extract_features", "module_fingerprint"]
