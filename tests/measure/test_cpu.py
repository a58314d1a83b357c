"""describe_cpu: the name, family, model and int8/bf16 instruction sets from /proc/cpuinfo."""

from __future__ import annotations

import platform

import pytest

from mobilenet_tutorial.measure import describe_cpu

AMD = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16 avx_vnni

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: Something Else
"""

INTEL = """processor\t: 0
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8
"""


def test_amd_first_processor_with_family_model_and_isa():
    assert describe_cpu(AMD) == ("AMD EPYC (family 26, model 2; AVX-512 VNNI, AVX-VNNI, "
                                 "AVX-512 BF16)")


def test_intel_with_amx():
    assert describe_cpu(INTEL) == ("Intel(R) Xeon(R) Platinum 8480+ (family 6, model 143; "
                                   "AVX-512 VNNI, AVX-512 BF16, AMX int8)")


def test_name_alone_when_nothing_else_is_known():
    assert describe_cpu("model name : Apple M2\n") == "Apple M2"
    assert describe_cpu("model name : Old\nflags : sse2 avx2\n") == "Old"


def test_no_cpuinfo_falls_back_to_platform():
    expected = platform.processor() or platform.machine() or "unknown CPU"
    assert describe_cpu("") == describe_cpu("flags : avx2\n") == expected


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="cpuinfo must be"):
        describe_cpu(b"model name : x")  # type: ignore[arg-type]
