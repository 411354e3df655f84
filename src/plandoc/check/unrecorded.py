"""Values given as not recorded (:mod:`plandoc.spec.unknowns`): each one said where it stands.

A value not recorded is honest, and still a gap: ``check`` warns about each (``--strict`` makes
the warnings errors), and under a payer's or accreditor's profile a value the spec requires is an
error, since the receiver cannot authorise or accredit on a gap.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec.loader import dotted
from ..spec.model import Plan
from .profiles import Profile
from .report import Reporter


def unrecorded_findings(report: Reporter, plan: Plan, profiles: Sequence[Profile] = ()) -> None:
    """A warning for each value *plan* gives as not recorded; an error for each required one
    under each of *profiles*."""
    for gap in plan.not_recorded:
        where = dotted(gap.at)
        report.warning(gap.at, f"`{where}` is not recorded: {gap.reason}", "schema.not_recorded")
        for profile in profiles if gap.required else ():
            report.error(
                gap.at,
                f"{profile.name} needs `{where}`, which the plan gives as not recorded "
                f"({gap.reason}); record it before sending the plan",
                f"profile.{profile.name}.not_recorded",
            )
