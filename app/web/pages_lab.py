"""The policy lab: two policies side by side.

The parameter comparison comes from the registry's presets and the policy in force; "Run" runs a
small scenario under both through the simulation's own `compare` (app/web/lab_run.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.policies.base import Policy
from app.policies.registry import PolicyNotFound, load_policy, preset_names
from app.web.errors import WebError
from app.web.lab_run import LAB_SCENARIO, LabBusy, lab_town, run_lab
from app.web.render import page
from app.web.session import runtime_of

router = APIRouter(prefix="/web/lab", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class ParamRow:
    name: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left != self.right


def _named(request: Request, name: str) -> Policy:
    runtime = runtime_of(request)
    if name == "" or name == runtime.policy.name:
        return runtime.policy
    if name not in preset_names():
        # Only presets: a page must not import an arbitrary module:ATTRIBUTE a visitor names.
        detail = f"No preset policy named {name!r}."
        raise WebError(404, "policy_not_found", detail, back="/web/lab", api=False)
    try:
        return load_policy(name)
    except PolicyNotFound as exc:
        raise WebError(404, "policy_not_found", str(exc), back="/web/lab", api=False) from None


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _run(left: Policy, right: Policy) -> dict[str, object] | None:
    if left.name == right.name:
        return None
    if not LAB_SCENARIO.exists():
        detail = f"The lab's scenario {LAB_SCENARIO.name} is not installed with this copy."
        raise WebError(404, "scenario_missing", detail, back="/web/lab", api=False)
    try:
        return run_lab(left, right)
    except LabBusy:
        detail = "Another comparison is running; try again in a few seconds."
        raise WebError(503, "lab_busy", detail, back="/web/lab", api=False) from None


@router.get("", response_class=HTMLResponse)
def lab(request: Request, a: str = "", b: str = "", run: str = "") -> HTMLResponse:
    left, right = _named(request, a), _named(request, b)
    lp, rp = left.params.as_dict(), right.params.as_dict()
    rows = [ParamRow(key, _show(lp[key]), _show(rp.get(key, "—"))) for key in lp]
    choices = sorted({*preset_names(), runtime_of(request).policy.name})
    context = {
        "left": left,
        "right": right,
        "rows": rows,
        "choices": choices,
        "comparison": _run(left, right) if run == "1" else None,
        "same": left.name == right.name,
        "town_file": f"scenarios/{LAB_SCENARIO.name}",
        "town": lab_town(),
    }
    return page(request, "lab.html", context)
