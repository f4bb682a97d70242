"""ROC figures for membership-style attacks: AUC and true-positive rate at a fixed low false-positive rate."""

from __future__ import annotations

import numpy as np

__all__ = ["roc_summary", "tpr_at_fpr"]


def tpr_at_fpr(member_scores: np.ndarray, nonmember_scores: np.ndarray, fpr: float) -> float:
    """Largest share of members flagged by a threshold that flags at most ``fpr`` of non-members.

    Higher scores mean "member". With n non-members, the threshold may flag at most
    ``floor(fpr * n)`` of them (ties are all flagged or all not), so at 0.1% FPR
    fewer than 1000 non-members allow no false positive at all.
    """
    neg = np.sort(np.asarray(nonmember_scores, dtype=float))[::-1]
    pos = np.asarray(member_scores, dtype=float)
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    allowed = int(np.floor(fpr * neg.size + 1e-12))
    # threshold t flags scores > t; allowing `allowed` false positives means t = neg[allowed]
    threshold = neg[allowed] if allowed < neg.size else -np.inf
    return float(np.mean(pos > threshold))


def roc_summary(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, float]:
    """AUC (ties count one half) and TPR at 1% and 0.1% FPR."""
    pos = np.asarray(member_scores, dtype=float)
    neg = np.asarray(nonmember_scores, dtype=float)
    if pos.size == 0 or neg.size == 0:
        return {"auc": float("nan"), "tpr_at_1pct_fpr": float("nan"), "tpr_at_0.1pct_fpr": float("nan")}
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    auc = (ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size)
    return {
        "auc": float(auc),
        "tpr_at_1pct_fpr": tpr_at_fpr(pos, neg, 0.01),
        "tpr_at_0.1pct_fpr": tpr_at_fpr(pos, neg, 0.001),
    }
