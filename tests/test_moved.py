"""Old module paths keep working: every public name of the old layout, from the moved module."""

from __future__ import annotations

import importlib
import warnings

import pytest

import mobilenet_tutorial
from mobilenet_tutorial._moved import MOVED, moved_module

# The __all__ of every module the regrouping moved or turned into a folder, as it was
# before (commit 3ac2e5b).
OLD_NAMES: dict[str, tuple[str, ...]] = {
 'architecture': ('block_table', 'block_memory'),
 'bench': ('Timing', 'measure', 'compare', 'time_model', 'single_calls'),
 'cost': ('ConvCost', 'conv_output_size', 'conv2d_cost', 'depthwise_cost', 'pointwise_cost',
          'depthwise_separable_cost', 'separable_ratio'),
 'data': ('FASHION_MNIST_CLASSES', 'DEBIAN_FASHION_MNIST_DIR', 'DataNotFoundError',
          'default_data_dir', 'prepare_fashion_mnist', 'fashion_mnist', 'fashion_mnist_tensors',
          'random_subset'),
 'deploy': ('fold_conv_bn', 'fold_batchnorm', 'count_batchnorms', 'without_inplace',
            'export_onnx', 'OrtModel', 'ImageCalibrationReader', 'onnx_nodes_of',
            'quantize_int8', 'prediction_agreement', 'file_size_mb', 'state_dict_mb',
            'fake_quantize_per_channel', 'weight_sensitivity'),
 'features': ('Features', 'module_fingerprint', 'extract_features', 'FeatureCache'),
 'keras_counts': ('BYTES_PER_FLOAT32', 'SHARED_COMPARISON', 'ParamCounts', 'keras_param_counts',
                  'torch_param_counts', 'keras_layer_counts', 'torch_layer_counts',
                  'keras_batchnorm_values', 'torch_batchnorm_values', 'mib',
                  'framework_comparison'),
 'models.init': ('init_weights_',),
 'models.tf_padding': ('Conv2dSame', 'same_padding'),
 'photo_views': ('EXTRA_NAMES', 'load_source', 'load_sources', 'preprocess', 'grid_views',
                 'random_views', 'view_batch'),
 'photos': ('PHOTO_NAMES', 'PHOTO_LABELS', 'imagenet_categories', 'photo_label_indices',
            'load_photo', 'load_photos', 'photo_is_correct', 'photo_accuracy'),
 'porting': ('IMAGENET_MEAN', 'IMAGENET_STD', 'DIVERGENCES', 'LayerPair', 'paired_layers',
             'architecture_table', 'torch_to_keras_arrays', 'copy_weights',
             'strided_padding_table', 'with_symmetric_padding', 'with_batchnorm_epsilon',
             'batchnorm_epsilon', 'crop_photos', 'imagenet_normalize', 'unit_range',
             'to_channels_last', 'keras_logits', 'agreement', 'PortComparison'),
 'preprocessing': ('LITE0_MEAN', 'LITE0_STD', 'lite0_transform'),
 'profile': ('count_params', 'count_macs', 'layer_table', 'layer_kind', 'LayerCost'),
 'roofline': ('peak_matmul_rate', 'copy_bandwidth', 'roof', 'ridge_point', 'layer_costs',
              'layer_timings', 'by_kind'),
 'tolerance': ('rounding_tolerance', 'accumulation_length', 'BATCHNORM_ROUNDINGS'),
 'transfer': ('WEIGHTS', 'NUM_BLOCKS', 'mobilenet_v2_classifier', 'split_model', 'freeze',
              'Frozen', 'param_groups', 'train_head', 'round_loader', 'CountingLoader',
              'Prediction', 'predict_image', 'save_classifier', 'load_classifier'),
 'transfer_data': ('SOURCES', 'normalisation', 'pretrained_transform', 'augmenting_transform',
                   'split_indices', 'load_image_dataset')}


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_every_old_name_is_importable_from_its_old_path(old):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(f"mobilenet_tutorial.{old}")
    missing = [name for name in OLD_NAMES[old] if not hasattr(module, name)]
    assert not missing, f"mobilenet_tutorial.{old} lost {missing}"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_is_the_new_module_itself(old):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(f"mobilenet_tutorial.{old}")
    new = importlib.import_module(f"mobilenet_tutorial.{MOVED[old]}")
    assert module is new
    assert module.__spec__.name == new.__name__  # the real module's spec is left alone


def test_the_old_paths_warn_with_the_new_path():
    with pytest.warns(DeprecationWarning, match="mobilenet_tutorial.bench moved to "
                                                "mobilenet_tutorial.measure.timing"):
        moved_module("bench")
    with pytest.warns(DeprecationWarning, match="measure.counting"):
        # (the package's __getattr__, which serves mobilenet_tutorial.profile before any import)
        assert mobilenet_tutorial.__getattr__("profile").count_macs is mobilenet_tutorial.count_macs


def test_unknown_names_are_still_errors():
    with pytest.raises(KeyError, match="old paths are"):
        moved_module("no_such_module")
    with pytest.raises(AttributeError, match="no_such_name"):
        mobilenet_tutorial.no_such_name  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("mobilenet_tutorial.no_such_module")


def test_every_old_path_points_at_a_module_that_exists():
    for new in MOVED.values():
        importlib.import_module(f"mobilenet_tutorial.{new}")
