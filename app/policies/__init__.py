"""Policies: the Policy protocol, its parameters, and one module per named preset."""

from app.policies.base import Decision, Outcome, Policy, StandardPolicy
from app.policies.registry import PolicyNotFound, load_policy, preset_names

__all__ = [
    "Decision",
    "Outcome",
    "Policy",
    "PolicyNotFound",
    "StandardPolicy",
    "load_policy",
    "preset_names",
]
