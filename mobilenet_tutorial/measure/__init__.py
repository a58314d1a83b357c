"""Measuring networks: what they cost, how fast they run, how far two results may differ.

- :mod:`.counting`: parameters and multiply-accumulates (MACs), layer by layer;
- :mod:`.cost`: the analytic cost of a convolution, from its shapes alone (chapter 1);
- :mod:`.timing`: wall-clock timing with ``torch.utils.benchmark``, and comparisons;
- :mod:`.roofline`: this CPU's ceilings, and how close each layer gets to them;
- :mod:`.architecture`: tables of a network's blocks and the memory they hold;
- :mod:`.tolerance`: how far two float results may differ by rounding alone;
- :mod:`.agreement`: how closely one model's logits follow another's;
- :mod:`.sizes`: file and weight sizes in megabytes;
- :mod:`.cpu`: which CPU ran a measurement (model, family, int8 instructions);
- :mod:`.hooks`: the one forward pass with hooks that counting, tables and rooflines share.
"""

from .agreement import logit_agreement
from .counting import count_macs, count_params, layer_kind, layer_macs, layer_table
from .cpu import describe_cpu
from .hooks import trace_calls
from .tolerance import accumulation_length, rounding_tolerance

__all__ = ["count_params", "count_macs", "layer_table", "layer_kind", "layer_macs",
           "rounding_tolerance", "accumulation_length", "logit_agreement", "trace_calls",
           "describe_cpu"]
