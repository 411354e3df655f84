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

CODE_PATTERNS = {"cpt": re.compile(r"[0-9]{4}[0-9FTU]"), "hcpcs": re.compile(r"[A-V][0-9]{4}")}


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
