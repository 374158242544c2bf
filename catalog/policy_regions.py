"""The region rule of ``request.file`` (数据回流, ``catalog.regions``), for ``catalog.policy``.

A request from a department whose division does not contain the dataset owner's is bound to its
own division's rows. A row filter that names rows outside that division — another county's code
in ``eq`` or ``in``, or a ``prefix`` that is not inside the requester's — is refused with
``request.outside_region`` (and audited, as every refusal is), never silently narrowed to nothing.
"""

from __future__ import annotations

from catalog.conditions import first_outside
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import DatasetTerms

__all__ = ["outside_region"]


def outside_region(actor: Principal, dataset: DatasetTerms) -> Refusal | None:
    """``request.outside_region`` when the request's row filter leaves the asker's division."""
    if not dataset.asker_region:
        return None
    bound = dataset.region_bound(dataset.asker_region)
    if bound is None or first_outside((bound,), dataset.asked_filter) is None:
        return None
    return Refusal(
        "request.outside_region",
        f"dataset {dataset.code} is returned to department {actor.department_code} only for "
        f"the rows of its own division ({bound.field} prefix {bound.value!r}); the row filter "
        "asks for rows outside it",
    )
