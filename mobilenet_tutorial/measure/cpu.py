"""Which CPU a measurement ran on: its model name, and what tells similar names apart.

Cloud machines often report only a family name (``AMD EPYC``), although the CPUs behind it
differ in what decides this course's timings: the vector and matrix instructions that int8
and bfloat16 kernels use. :func:`describe_cpu` adds, on x86 Linux, the family and model
numbers and those instruction sets, read from ``/proc/cpuinfo``.
"""

from __future__ import annotations

import platform
from pathlib import Path

__all__ = ["ISA_FLAGS", "describe_cpu"]

ISA_FLAGS: dict[str, str] = {
    "avx512_vnni": "AVX-512 VNNI",
    "avx_vnni": "AVX-VNNI",
    "avx512_bf16": "AVX-512 BF16",
    "amx_int8": "AMX int8",
}
"""``/proc/cpuinfo`` flags worth naming (int8 and bfloat16 instructions), and their names."""

CPUINFO = Path("/proc/cpuinfo")


def describe_cpu(cpuinfo: str | None = None) -> str:
    """The CPU's model name, with its family, model and int8/bf16 instruction sets where known.

    Args:
        cpuinfo: the text of ``/proc/cpuinfo``; ``None`` reads it from this machine (where
            there is none, :mod:`platform` names the processor).

    Returns:
        For example ``"AMD EPYC (family 26, model 2; AVX-512 VNNI, AVX-VNNI, AVX-512 BF16)"``,
        from the first processor listed; the parts that ``cpuinfo`` lacks are left out.
    """
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text()
        except OSError:
            cpuinfo = ""
    if not isinstance(cpuinfo, str):
        raise TypeError(f"cpuinfo must be the text of /proc/cpuinfo or None, got "
                        f"{type(cpuinfo).__name__}")
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor is enough
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name") or platform.processor() or platform.machine() or "unknown CPU"
    details = []
    if "cpu family" in fields and "model" in fields:
        details.append(f"family {fields['cpu family']}, model {fields['model']}")
    flags = set(fields.get("flags", "").split())
    isa = [label for flag, label in ISA_FLAGS.items() if flag in flags]
    if isa:
        details.append(", ".join(isa))
    return f"{name} ({'; '.join(details)})" if details else name
