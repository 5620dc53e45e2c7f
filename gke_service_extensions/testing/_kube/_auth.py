"""Who the simulator's one user is, and what it may do: ``kubectl auth whoami`` and
``kubectl auth can-i``.

The simulator has one user (the kubeconfig's bearer token, ``gke-simulator``), allowed
everything, like a cluster admin. Reviews are answered, never stored.
"""

from __future__ import annotations

from typing import Any

from ..._gke import ResourceInfo

__all__ = ["REVIEWS", "USERNAME", "review"]

USERNAME = "gke-simulator"
GROUPS = ("system:masters", "system:authenticated")

SELF_SUBJECT_REVIEW = ResourceInfo("authentication.k8s.io", "v1", "SelfSubjectReview",
                                   "selfsubjectreviews", namespaced=False)
SELF_SUBJECT_ACCESS_REVIEW = ResourceInfo("authorization.k8s.io", "v1",
                                          "SelfSubjectAccessReview",
                                          "selfsubjectaccessreviews", namespaced=False)
SELF_SUBJECT_RULES_REVIEW = ResourceInfo("authorization.k8s.io", "v1",
                                         "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                                         namespaced=False)
REVIEWS = (SELF_SUBJECT_REVIEW, SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_RULES_REVIEW)
_BY_PATH = {("apis", i.group, i.version, i.plural): i for i in REVIEWS}


def review(parts: list[str], body: Any) -> dict[str, Any] | None:
    """The answer to a POST of a review at ``parts`` (the URL path), None if not one."""
    info = _BY_PATH.get(tuple(parts))  # type: ignore[arg-type]
    if info is None:
        return None
    obj: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    obj.update(apiVersion=info.api_version, kind=info.kind)
    obj.setdefault("metadata", {})
    if info is SELF_SUBJECT_REVIEW:
        obj["status"] = {"userInfo": {"username": USERNAME, "groups": list(GROUPS)}}
    elif info is SELF_SUBJECT_ACCESS_REVIEW:
        obj["status"] = {"allowed": True, "reason": "the simulator's user may do anything"}
    else:
        obj["status"] = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                                            "resources": ["*"]}],
                         "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                         "incomplete": False}
    return obj
