"""Find a policy: a preset name, `module:attribute` for a researcher's own, or a TOML file.

A TOML policy starts from a preset and overrides parameters (see docs/policies.md):

    base = "privacy-by-design"
    name = "k10"
    description = "The default with a coarser map."

    [parameters]
    map_k = 10
"""

from __future__ import annotations

import importlib
import tomllib
import traceback
from pathlib import Path
from typing import Any, cast

from app.files import UnreadableFile, read_text_file
from app.policies.base import Policy, StandardPolicy
from app.policies.params import PolicyParameterError, PolicyParams

# Preset name -> module under app.policies; adding a preset is adding a module and a line here.
PRESETS: dict[str, str] = {
    "privacy-by-design": "app.policies.privacy_by_design",
    "ring-2018": "app.policies.ring_2018",
    "ring-2019": "app.policies.ring_2019",
    "ring-rfa-2021": "app.policies.ring_rfa_2021",
    "legal-only-2024": "app.policies.legal_only_2024",
    "axon-2025": "app.policies.axon_2025",
    "warrant-only": "app.policies.warrant_only",
}

TOML_KEYS = ("base", "name", "description", "parameters")


class PolicyNotFound(LookupError):
    def __init__(self, name: str, why: str = "") -> None:
        super().__init__(
            f"unknown policy {name!r}; presets: {', '.join(sorted(PRESETS))}, "
            f"module:ATTRIBUTE for your own, or a .toml file{why}"
        )


class EmptyPolicyName(PolicyNotFound):
    """An empty name (`--policy ""`, CONSENTGATE_POLICY="", `policy.name = ""`): refused as
    empty. Read as a path it was the current folder, and refused as "policy file .: is a
    folder", which named neither the mistake nor where to look."""

    def __init__(self, name: str) -> None:
        blank = f" ({name!r} is only spaces)" if name else ""
        LookupError.__init__(
            self,
            f"must not be empty{blank}: name a preset ({', '.join(sorted(PRESETS))}), "
            "module:ATTRIBUTE for your own, or a .toml file",
        )


def _import_failure(name: str, cause: ImportError | AttributeError) -> str:
    """Why a `module:ATTRIBUTE` was not found: a module outside the Python path (`consentgate`
    does not put the current folder on it, unlike `python -m`), a typo in the attribute, or an
    import failing inside the module. Every command that takes a policy says it."""
    why = f"\n  ({type(cause).__name__}: {cause})"
    top = name.partition(":")[0].split(".")[0]
    if isinstance(cause, ModuleNotFoundError) and cause.name == top:
        why += (
            f"\n  A module of your own must be importable: run the command from the folder "
            f"that holds {top!r}, starting it with PYTHONPATH=. (PYTHONPATH=. consentgate ...)."
        )
    return why


class NotAPolicy(PolicyNotFound):
    """`module:ATTRIBUTE` named something that is not a policy (`os:path`, a class that needs
    arguments): said in words, not as the AttributeError of its first use."""

    def __init__(self, name: str, reason: str) -> None:
        LookupError.__init__(
            self,
            f"{name!r} is not a policy: {reason} (a policy has a name, a version, params and "
            "the decision methods of app.policies.base.Policy; app/sim/example_policies.py "
            "shows two)",
        )


class PolicyImportError(PolicyNotFound):
    """A `module:ATTRIBUTE` whose module raised as it was imported (a SyntaxError, a
    RuntimeError at the top of the file): the policy, the exception's one line and where it
    was raised, not a traceback through importlib."""

    def __init__(self, name: str, module: str, cause: Exception) -> None:
        where = ""
        if isinstance(cause, SyntaxError):  # its own frame is importlib's: it names the line
            said = f"{type(cause).__name__}: {cause.msg}"
            where = f" (at {cause.filename}, line {cause.lineno})" if cause.filename else ""
        else:
            lines = str(cause).strip().splitlines()
            said = f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
            frames = traceback.extract_tb(cause.__traceback__)
            where = f" (at {frames[-1].filename}, line {frames[-1].lineno})" if frames else ""
        LookupError.__init__(self, f"policy {name!r}: importing {module!r} failed: {said}{where}")


# What every caller of a policy reads: the attributes with their types, then the methods.
_POLICY_ATTRIBUTES: tuple[tuple[str, type], ...] = (
    ("name", str),
    ("version", str),
    ("params", PolicyParams),
)
_POLICY_METHODS = (
    "validate_request",
    "may_notify",
    "decide_release",
    "shape_map",
    "response_counts",
    "neighbor_label",
)


def _checked(name: str, found: object) -> Policy:
    if isinstance(found, type):  # a class is instantiated with no arguments
        try:
            found = found()
        except TypeError as exc:
            raise NotAPolicy(name, f"the class cannot be made without arguments ({exc})") from None
        except Exception as exc:  # its own __init__ failing: said as such, not as a traceback
            said = f"{type(exc).__name__}: {exc}"
            raise NotAPolicy(name, f"making the class raised {said}") from None
    wrong = [a for a, kind in _POLICY_ATTRIBUTES if not isinstance(getattr(found, a, None), kind)]
    wrong += [m for m in _POLICY_METHODS if not callable(getattr(found, m, None))]
    if wrong:
        raise NotAPolicy(name, f"it lacks {', '.join(wrong)}")
    return cast(Policy, found)


class PresetNameTaken(PolicyNotFound):
    """A `module:ATTRIBUTE` policy under a preset's name, as a policy file may not be either
    (`policy_from_document`): logs, run folders and GET /policy would pass it off as the preset."""

    def __init__(self, name: str, taken: str) -> None:
        LookupError.__init__(
            self,
            f"policy {name!r}: name: {taken!r} is a preset's name; give the policy a name of "
            "its own",
        )


class PolicyFileError(PolicyNotFound):
    """A policy file that cannot be used; the message names the file and every key at fault
    with its reason (`key` and `reason` are the first, `problems` all of them)."""

    def __init__(self, path: Path, key: str, reason: str) -> None:
        self.path, self.problems = path, [(key, reason)]
        self.key, self.reason = key, reason
        LookupError.__init__(self, f"policy file {path}: {key}: {reason}")

    @classmethod
    def of(cls, path: Path, problems: list[tuple[str, str]]) -> PolicyFileError:
        error = cls(path, *problems[0])
        error.problems = problems
        said = "; ".join(f"{key}: {reason}" for key, reason in problems)
        error.args = (f"policy file {path}: {said}",)
        return error

    def lines(self) -> list[str]:
        """One line per problem, each naming the file, for a command to print them all."""
        return [f"policy file {self.path}: {key}: {reason}" for key, reason in self.problems]


def preset_names() -> list[str]:
    return sorted(PRESETS)


def load_policy(name: str, folder: Path | None = None) -> Policy:
    """A preset, a policy file or `module:ATTRIBUTE`. A relative file path is read from
    `folder` (the folder of the sweep or scenario file that names it), or else from the
    current folder (a name typed on the command line); a module comes from the Python path."""
    if not name.strip():
        raise EmptyPolicyName(name)
    if name in PRESETS:
        return cast(Policy, importlib.import_module(PRESETS[name]).POLICY)
    path = Path(name) if folder is None else folder / name  # an absolute name stays itself
    if name.endswith(".toml") or path.is_file() or path.is_dir():
        return load_policy_file(path)
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        if not module_name or module_name.startswith("."):
            # importlib's own answer is a ValueError or a TypeError, not a lookup failure.
            why = "relative" if module_name else "empty"
            raise PolicyNotFound(
                name, f"\n  (the module name before ':' is {why}: give its full dotted name)"
            )
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise PolicyNotFound(name, _import_failure(name, exc)) from exc
        except Exception as exc:  # the researcher's module itself fails as it is imported
            raise PolicyImportError(name, module_name, exc) from exc
        policy = _checked(name, found)
        # The preset's own object (`app.policies.ring_2018:POLICY`) is the preset; any other
        # policy under its name is refused, equal parameters too, as a policy file is.
        if policy.name in PRESETS and policy is not load_policy(policy.name):
            raise PresetNameTaken(name, policy.name)
        return policy
    raise PolicyNotFound(name)


def load_policy_file(path: Path) -> StandardPolicy:
    """A preset with parameters overridden from a TOML file; every error names its key."""
    try:
        document = tomllib.loads(read_text_file(path))
    except UnreadableFile as exc:
        raise PolicyFileError(path, "file", exc.reason) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(path, "syntax", str(exc)) from None
    return policy_from_document(document, path)


def policy_from_document(document: dict[str, Any], path: Path) -> StandardPolicy:
    """The policy a file describes; PolicyFileError naming every key at fault, not only the
    first, so that a file is fixed in one pass."""
    problems = [
        (key, f"unknown key; a policy file has {', '.join(TOML_KEYS)}")
        for key in document
        if key not in TOML_KEYS
    ]
    base_name = document.get("base", "privacy-by-design")
    if not isinstance(base_name, str) or base_name not in PRESETS:
        reason = f"{base_name!r} is not a preset; presets: {', '.join(preset_names())}"
        problems.append(("base", reason))
        base_name = "privacy-by-design"  # the parameters are still checked, against the default
    base = load_policy(base_name)
    overrides = document.get("parameters", {})
    params = base.params
    if not isinstance(overrides, dict):
        problems.append(("parameters", "must be a table: [parameters]"))
        overrides = {}
    try:
        params = PolicyParams.from_mapping(base.params, overrides)
    except PolicyParameterError as exc:
        problems += [(f"parameters.{key}", reason) for key, reason in exc.problems]
    name = document.get("name", path.stem)
    description = document.get("description", f"{base_name} with {len(overrides)} overrides")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str) or (key == "name" and not value.strip()):
            problems.append((key, "must be a non-empty string"))
    if isinstance(name, str) and name in PRESETS:
        # Logs, manifests and GET /policy name a policy by its name alone: a file under a
        # preset's name would pass its own parameters off as the preset's. Equal parameters
        # are refused too: one simple rule, and the preset itself is there to be named.
        given = "" if "name" in document else " (the file's stem, as it gives no name)"
        reason = f"{name!r}{given} is a preset's name; give the policy a name of its own"
        problems.append(("name", reason))
    if problems:
        raise PolicyFileError.of(path, problems)
    return StandardPolicy(name=name, params=params, description=description)
