"""From a trained PyTorch model to a faster one: fold BatchNorm, export to ONNX, quantize to int8.

The steps of chapter 8, one module each:

- :mod:`.folding`: :func:`fold_batchnorm` merges every BatchNorm that directly follows a
  convolution into that convolution's weights and bias (exact in eval mode, one layer
  fewer);
- :mod:`.onnx_export`: :func:`export_onnx` writes the model as one self-contained ONNX
  file, and :class:`OrtModel` runs it with ONNX Runtime on the CPU, called like a
  PyTorch model (tensor in, tensor out);
- :mod:`.quantization`: :func:`quantize_int8` turns an fp32 ONNX file into an int8 one
  with ONNX Runtime's post-training static quantization, calibrated on real images, and
  :func:`weight_sensitivity` finds the layers whose weights suffer most from int8;
- :mod:`.gptq`: :func:`gptq_round` rounds every weight to its int8 grid with GPTQ's error
  compensation, so that a layer's output on real inputs moves less than with
  round-to-nearest; the engines then keep that rounding;
- :mod:`.openvino_engine`: :func:`to_openvino`, :class:`OvModel` and
  :func:`quantize_openvino` run the model with OpenVINO, in fp32 or in int8 (NNCF);
- :mod:`.pt2e`: :func:`quantize_pt2e` is PyTorch's own int8 path for x86 CPUs, to be
  compiled with ``torch.compile``.

How closely a faster model follows the original is
:func:`~mobilenet_tutorial.measure.agreement.logit_agreement` (here also under its old
name ``prediction_agreement``); file sizes are in :mod:`mobilenet_tutorial.measure.sizes`.
"""

from ..measure.agreement import logit_agreement
from ..measure.sizes import file_size_mb, state_dict_mb
from .folding import count_batchnorms, fold_batchnorm, fold_conv_bn, without_inplace
from .gptq import GptqRounding, gptq_round, gptq_round_rows
from .onnx_export import MIN_OPSET, OrtModel, export_onnx, onnx_nodes_of
from .openvino_engine import OvModel, openvino_scope, quantize_openvino, to_openvino
from .pt2e import graph_size_mb, quantize_pt2e
from .quantization import (
    ImageCalibrationReader,
    fake_quantize_per_channel,
    quantize_int8,
    weight_sensitivity,
)

prediction_agreement = logit_agreement
"""Old name of :func:`~mobilenet_tutorial.measure.agreement.logit_agreement`."""

__all__ = ["fold_conv_bn", "fold_batchnorm", "count_batchnorms", "without_inplace",
           "MIN_OPSET", "export_onnx", "OrtModel", "onnx_nodes_of", "ImageCalibrationReader",
           "quantize_int8", "fake_quantize_per_channel", "weight_sensitivity",
           "logit_agreement", "prediction_agreement", "file_size_mb", "state_dict_mb",
           "to_openvino", "OvModel", "quantize_openvino", "openvino_scope", "quantize_pt2e",
           "graph_size_mb", "GptqRounding", "gptq_round", "gptq_round_rows"]
