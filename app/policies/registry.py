"""Find a policy by preset name or by `module:attribute` for a researcher's own."""

from __future__ import annotations

import importlib
from typing import cast

from app.policies.base import Policy

# Preset name -> module under app.policies; adding a preset is adding a module and a line here.
PRESETS: dict[str, str] = {
    "privacy-by-design": "app.policies.privacy_by_design",
}


class PolicyNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown policy {name!r}; presets: {', '.join(sorted(PRESETS))}, "
            "or module:ATTRIBUTE for your own"
        )


def preset_names() -> list[str]:
    return sorted(PRESETS)


def load_policy(name: str) -> Policy:
    if name in PRESETS:
        return cast(Policy, importlib.import_module(PRESETS[name]).POLICY)
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise PolicyNotFound(name) from exc
        # A class is instantiated with no arguments; an instance is used as it is.
        return cast(Policy, found() if isinstance(found, type) else found)
    raise PolicyNotFound(name)
