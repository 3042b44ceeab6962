"""A component's typed parameters: `Param` parses and checks one value alike from YAML
configs, `-k`, query strings and live parameter changes (the one place a value is refused);
`distance` and `count` are its common shapes; `COMMON_EXTRACTOR_PARAMS` and
`COMMON_REDUCER_PARAMS` the wrapper parameters every extractor or reducer takes; `did_you_mean`
the hint for a name that is not there."""

from __future__ import annotations

import difflib
import json
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Param:
    """A typed keyword parameter, parsed and checked alike from YAML configs, `-k`, query
    strings (the Caesar routes) and live parameter changes: this is the one place a value is
    refused. A number is never NaN and never a bool (`eps: true` is not 1.0); a bool is
    true/false (or 1/0, yes/no, on/off), never "maybe"; `more_than`, `at_least` and
    `at_most` bound a number (None: no bound) and `finite` refuses infinity."""

    type: type
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None
    more_than: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    finite: bool = False

    def parse(self, name: str, raw: Any, component: str) -> Any:
        value = raw
        try:
            if raw is None:
                value = None
            elif self.type is bool:
                value = _parse_bool(raw)
            elif self.type is int:
                value = _parse_int(raw)
            elif self.type is float:
                value = _parse_float(raw)
            elif self.type is str:
                if not isinstance(raw, str | int | float):
                    raise TypeError
                value = str(raw)
            elif self.type in (list, dict):
                value = json.loads(raw) if isinstance(raw, str) else raw
                if not isinstance(value, self.type):
                    raise TypeError
            else:  # "any" parameters are passed through (e.g. nested detail configs)
                value = raw
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConfigError(
                f"{component}: parameter {name!r} must be {self.type.__name__}, got {raw!r}",
                hint=f"fix the value of {name} in the config",
            ) from exc
        if self.choices is not None and value not in self.choices:
            raise ConfigError(
                f"{component}: parameter {name!r} must be one of {list(self.choices)}, got {raw!r}",
                hint=f"fix the value of {name} in the config",
            )
        wrong = self.out_of_range(value)
        if wrong:
            raise ConfigError(f"{component}: parameter {name!r} must be {wrong}, got {raw!r}",
                              hint=f"fix the value of {name} in the config")
        return value

    def out_of_range(self, value: Any) -> str:
        """What a number must be when `value` is outside the bounds, else ""."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return ""
        if math.isnan(value):
            return "a number (not NaN)"
        low = (f"more than {self.more_than:g}" if self.more_than is not None else
               f"at least {self.at_least:g}" if self.at_least is not None else "")
        high = f"at most {self.at_most:g}" if self.at_most is not None else ""
        bounds = " and ".join(part for part in (low, high) if part) or "finite"
        if ((self.more_than is not None and not value > self.more_than)
                or (self.at_least is not None and not value >= self.at_least)
                or (self.at_most is not None and not value <= self.at_most)
                or (self.finite and math.isinf(value))):
            return f"{bounds} ({'finite, ' if self.finite and bounds != 'finite' else ''}{self.type.__name__})"
        return ""


def distance(default: float | None, text: str, **bounds: Any) -> Param:
    """A distance or scale for clustering (DBSCAN's eps and its kin): a finite number above 0."""
    return Param(float, default, text, **{"more_than": 0, "finite": True, **bounds})


def count(default: int | None, text: str, at_least: int = 1, **bounds: Any) -> Param:
    """A whole number of things: at least 1 unless said otherwise."""
    return Param(int, default, text, at_least=at_least, **bounds)


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        if raw not in (0, 1):
            raise ValueError(raw)
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(raw)


def _parse_float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real | str):
        raise TypeError(raw)
    return float(raw)


def _parse_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError(raw)
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError(raw)
    value = int(raw)
    if not -(2**63) <= value < 2**63:  # no count means more, and the answer must carry it
        raise ValueError(raw)
    return value


#: keyword parameters every extractor accepts (the peer's extractor wrapper)
COMMON_EXTRACTOR_PARAMS: dict[str, Param] = {
    "task": Param(str, "all", "the task key whose annotations are extracted (e.g. T0)"),
    "pluck": Param(dict, None, "output key -> dotted path into the classification"),
    "recursive": Param(bool, False, "one extract per annotation of the task"),
    "recursive_subject_ids": Param(bool, False, "subject_id becomes {id}_{i} for recursive extracts"),
    "no_version": Param(bool, False, "do not stamp aggregation_version"),
}

COMMON_REDUCER_PARAMS: dict[str, Param] = {
    "no_version": Param(bool, False, "do not stamp aggregation_version"),
}


def did_you_mean(word: str, options: Mapping[str, Any] | list[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else "no similar name"
