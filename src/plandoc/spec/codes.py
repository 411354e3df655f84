"""Service codes: what each CPT or HCPCS code for behavioural-health services is billed for
(``service_codes.yaml`` beside this module), so a service that does not fit its code — a group
billed with an individual code, 50 minutes on a 30-minute code, an evaluation every week — is
caught before a payer refuses it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

# HCPCS Level II codes run A to V; W to Z were payers' local codes, still in older plans.
CODE_PATTERNS = {"cpt": re.compile(r"[0-9]{4}[0-9FTU]"), "hcpcs": re.compile(r"[A-Z][0-9]{4}")}


@dataclass(frozen=True)
class ServiceCode:
    code: str
    name: str
    modalities: tuple[str, ...]
    minutes: tuple[int, int | None] | None = None
    evaluation: bool = False
    per_diem: bool = False
    unit: int | None = None

    def fits_minutes(self, minutes: int) -> bool:
        if self.minutes is None:
            return True
        low, high = self.minutes
        return minutes >= low and (high is None or minutes <= high)


@cache
def service_codes() -> dict[str, ServiceCode]:
    data = yaml.safe_load(
        Path(__file__).with_name("service_codes.yaml").read_text(encoding="utf-8")
    )
    return {
        code: ServiceCode(
            code=code,
            name=item["name"],
            modalities=tuple(item["modality"]),
            minutes=tuple(item["minutes"]) if "minutes" in item else None,
            evaluation=bool(item.get("evaluation")),
            per_diem=bool(item.get("per_diem")),
            unit=item.get("unit"),
        )
        for code, item in data.items()
    }


def service_code(code: str | None) -> ServiceCode | None:
    return service_codes().get(code.strip().upper()) if code else None


# The ASAM Criteria (3rd edition): its six assessment dimensions and its levels of care,
# including the withdrawal-management levels (`-WM`).
ASAM_DIMENSIONS = {
    1: "Acute intoxication and withdrawal potential",
    2: "Biomedical conditions and complications",
    3: "Emotional, behavioral or cognitive conditions and complications",
    4: "Readiness to change",
    5: "Relapse, continued use or continued problem potential",
    6: "Recovery and living environment",
}
ASAM_LEVELS = {
    "0.5": "Early intervention",
    "1": "Outpatient services",
    "2.1": "Intensive outpatient services",
    "2.5": "Partial hospitalization services",
    "3.1": "Clinically managed low-intensity residential services",
    "3.3": "Clinically managed population-specific high-intensity residential services",
    "3.5": "Clinically managed high-intensity residential services",
    "3.7": "Medically monitored intensive inpatient services",
    "4": "Medically managed intensive inpatient services",
    "1-WM": "Ambulatory withdrawal management without extended on-site monitoring",
    "2-WM": "Ambulatory withdrawal management with extended on-site monitoring",
    "3.2-WM": "Clinically managed residential withdrawal management",
    "3.7-WM": "Medically monitored inpatient withdrawal management",
    "4-WM": "Medically managed intensive inpatient withdrawal management",
}


def asam_level(level: str | None) -> str:
    """``2.1`` → ``ASAM 2.1, Intensive outpatient services`` (the number alone when unknown)."""
    if not level:
        return ""
    name = ASAM_LEVELS.get(level.removesuffix(".0"))
    return f"ASAM {level}, {name}" if name else f"ASAM {level}"
