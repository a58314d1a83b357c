"""Tests of mobilenet_tutorial.measure.agreement: exact values on small logits, bad input."""

from __future__ import annotations

import pytest
import torch

from mobilenet_tutorial.measure.agreement import logit_agreement


def test_values_are_exact():
    reference = torch.tensor([[9.0, 8, 7, 6, 5, 0], [0, 1, 2, 3, 4, 9]])
    candidate = torch.tensor([[9.0, 8, 7, 6, 0, 5], [0, 5, 2, 3, 4, 1]])
    # row 0: same best class, top 5 share 4 of 5, order differs;
    # row 1: best class differs, top 5 share all 5 (in another order)
    assert logit_agreement(reference, candidate) == {
        "max_abs_diff": 8.0,
        "mean_abs_diff": 22.0 / 12,  # 10 in row 0, 12 in row 1
        "top1_agreement": 0.5,
        "top5_overlap": 0.9,
        "same_top5": 0.0,
    }


def test_reordered_top5_counts_as_overlap_but_not_as_same():
    reference = torch.tensor([[6.0, 5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5, 6]])
    candidate = reference.clone()
    candidate[0, 0], candidate[0, 6] = 4.5, 5.5  # row 0: order changes, class 6 enters
    result = logit_agreement(reference, candidate)
    assert result["top1_agreement"] == 0.5
    assert result["top5_overlap"] == 0.9  # 4 of 5 and 5 of 5
    assert result["same_top5"] == 0.5


def test_identical_logits_agree_fully_in_any_dtype():
    logits = torch.randn(3, 10, generator=torch.Generator().manual_seed(0))
    result = logit_agreement(logits, logits.clone())
    assert result == {"max_abs_diff": 0.0, "mean_abs_diff": 0.0, "top1_agreement": 1.0,
                      "top5_overlap": 1.0, "same_top5": 1.0}
    assert logit_agreement(logits.double(), logits)["max_abs_diff"] == 0.0


@pytest.mark.parametrize(("reference", "candidate", "match"), [
    (torch.zeros(2, 6), torch.zeros(1, 6), "one shape"),
    (torch.zeros(6), torch.zeros(6), "one shape"),
    (torch.zeros(0, 6), torch.zeros(0, 6), "one shape"),
    (torch.zeros(2, 4), torch.zeros(2, 4), "at least 5 classes"),
])
def test_bad_shapes_are_refused(reference, candidate, match):
    with pytest.raises(ValueError, match=match):
        logit_agreement(reference, candidate)


def test_non_tensors_are_refused():
    with pytest.raises(TypeError, match="reference and candidate must be tensors"):
        logit_agreement([[1.0] * 5], torch.zeros(1, 5))
