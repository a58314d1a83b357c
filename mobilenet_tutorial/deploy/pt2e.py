"""PyTorch's own int8 path for x86 CPUs: PT2E quantization with ``X86InductorQuantizer``.

The model is captured with ``torch.export``, observers are inserted where the
quantizer says (int8 activations per tensor, weights per output channel), the
calibration images run through it, and the observed ranges become quantize and
dequantize operations.  ``torch.compile`` (Inductor) then fuses each quantize,
convolution and dequantize group into one integer oneDNN kernel.  The PT2E code
lives in the ``torchao`` package since PyTorch moved it out of ``torch.ao``.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["quantize_pt2e", "graph_size_mb"]


def quantize_pt2e(model: nn.Module, example: torch.Tensor, calibration_images: torch.Tensor,
                  dynamic_batch: bool = True) -> torch.fx.GraphModule:
    """An int8 copy of ``model`` (not compiled), calibrated on ``calibration_images``.

    With ``dynamic_batch`` the copy takes any batch size (``example`` must then hold at
    least two inputs); without it, ``example``'s shape only.  To get oneDNN's int8 kernels,
    compile it with Inductor's freezing switched on in its configuration
    (``torch._inductor.config.freezing = True``, which also covers recompilations);
    passing ``options={"freezing": True}`` to ``torch.compile`` failed for this graph in
    PyTorch 2.14, and a recompilation without freezing runs much slower.

    Raises:
        ValueError: if there are no calibration images, or ``dynamic_batch`` and
            ``example`` holds fewer than two.
    """
    from torchao.quantization.pt2e import quantize_pt2e as pt2e
    from torchao.quantization.pt2e.quantizer import x86_inductor_quantizer as x86

    if len(calibration_images) == 0:
        raise ValueError("calibration_images is empty: give at least one image")
    if dynamic_batch and len(example) < 2:
        raise ValueError(f"with dynamic_batch, example must hold at least two inputs (a batch "
                         f"of 1 would fix the batch size), got {len(example)}")
    shapes = ({0: torch.export.Dim("batch", min=1, max=4096)},) if dynamic_batch else None
    captured = torch.export.export(copy.deepcopy(model).eval(), (example,),
                                   dynamic_shapes=shapes).module()
    quantizer = x86.X86InductorQuantizer()
    quantizer.set_global(x86.get_default_x86_inductor_quantization_config())
    observed = pt2e.prepare_pt2e(captured, quantizer)
    batch = 1 if dynamic_batch else len(example)
    with torch.no_grad():
        for i in range(0, len(calibration_images) - batch + 1, batch):
            observed(calibration_images[i:i + batch])
    return pt2e.convert_pt2e(observed)


def graph_size_mb(module: nn.Module) -> float:
    """Megabytes of the tensors a module computes with.

    For a ``torch.fx.GraphModule`` these are the constants its graph reads (``get_attr``):
    after :func:`quantize_pt2e` the int8 weights, not the fp32 originals that the module
    still holds but no longer uses.  For any other module, its ``state_dict``.
    """
    if not isinstance(module, torch.fx.GraphModule):
        return sum(t.numel() * t.element_size() for t in module.state_dict().values()) / 1e6
    used: dict[str, torch.Tensor] = {}
    for node in module.graph.nodes:
        if node.op == "get_attr":
            value = module
            for part in str(node.target).split("."):
                value = getattr(value, part)
            if isinstance(value, torch.Tensor):
                used[str(node.target)] = value
    return sum(t.numel() * t.element_size() for t in used.values()) / 1e6
