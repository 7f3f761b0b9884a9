"""The imgprompt engine: structured image briefs to prompts and validated image API payloads.

A brief is a ``dict``, YAML or JSON text (``str``), or a path (``pathlib.Path``) to a brief file.
Each function gives what the command line's JSON output gives for the same brief:

>>> import imgprompt
>>> record = imgprompt.render({"preset": "poster", "subject": "a jazz night",
...                            "text": {"headline": "Blue Notes"}})
>>> record["payload"]["body"]["model"]
'gpt-image-2'
>>> '"Blue Notes"' in record["prompt"]
True
"""

import os
from collections.abc import Iterator
from typing import Any, Literal, Optional, TypedDict, Union

if False:  # only for type checkers
    from typing_extensions import NotRequired

__version__: str

Brief = Union[dict[str, Any], str, "os.PathLike[str]"]
"""A brief: a dict, YAML or JSON text, or the path of a brief file."""

Format = Optional[Literal["json", "yaml"]]
"""How a text or file is read; None detects it (from the extension, else the text)."""

class Diagnostic(TypedDict, total=False):
    """One finding, as ``imgprompt validate --format json`` prints it."""

    severity: Literal["error", "warning", "note"]
    code: str
    message: str
    file: str
    line: int
    column: int
    path: str
    label: str
    help: str
    notes: list[str]

class BriefError(ValueError):
    """A brief that cannot be rendered, or a brief file that cannot be read.

    ``str(error)`` renders the findings as the command line does.

    >>> try:
    ...     imgprompt.render("preset: poster\\nsubjct: a jazz night\\n")
    ... except imgprompt.BriefError as e:
    ...     sorted(d["code"] for d in e.diagnostics)
    ['missing-field', 'unknown-field']
    """

    diagnostics: list[Diagnostic]

class Expansion(Iterator[dict[str, Any]]):
    """The variants of a brief, built one at a time: each ``{index, id, values, brief}``.
    ``len()`` is the number of variants not yet read."""

    def __iter__(self) -> "Expansion": ...
    def __next__(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...

class Engine:
    """An engine with other presets, styles or data files, as the command line's global flags.

    Each override file falls back to its ``IMGPROMPT_*`` environment variable, as on the command
    line. The module's functions use ``Engine()`` built on first use.

    >>> engine = imgprompt.Engine(strict=True)
    >>> engine.render({"subject": "a red kite"})["preset"]
    'basic'
    """

    def __init__(
        self,
        *,
        presets: list[Union[str, "os.PathLike[str]"]] = ...,
        styles: list[Union[str, "os.PathLike[str]"]] = ...,
        models: Optional[Union[str, "os.PathLike[str]"]] = None,
        prices: Optional[Union[str, "os.PathLike[str]"]] = None,
        target_limits: Optional[Union[str, "os.PathLike[str]"]] = None,
        families: Optional[Union[str, "os.PathLike[str]"]] = None,
        strict: bool = False,
        batch_api: bool = False,
        partial_images: int = 0,
    ) -> None: ...
    def render(self, brief: Brief, target: str = "openai", format: Format = None) -> dict[str, Any]: ...
    def validate(self, brief: Brief, target: str = "openai", format: Format = None) -> list[Diagnostic]: ...
    def lint(
        self, brief: Brief, target: str = "openai", format: Format = None, all_targets: bool = False
    ) -> list[Diagnostic]: ...
    def cost(self, brief: Brief, target: str = "openai", format: Format = None) -> Optional[dict[str, Any]]: ...
    def expand(
        self, brief: Brief, format: Format = None, sample: Optional[int] = None, seed: int = 0
    ) -> Expansion: ...
    def presets(self) -> list[dict[str, Any]]: ...
    def models(self) -> dict[str, Any]: ...

def render(brief: Brief, target: str = "openai", format: Format = None) -> dict[str, Any]:
    """The record of ``imgprompt render --emit json``: name, preset, prompt, payload (with method
    and URL), warnings and cost. Raises ``BriefError``.

    >>> imgprompt.render("subject: a red kite\\n", target="flux")["payload"]["target"]
    'flux'
    """

def validate(brief: Brief, target: str = "openai", format: Format = None) -> list[Diagnostic]:
    """The warnings of a valid brief (often none); raises ``BriefError`` when it has errors.

    >>> imgprompt.validate({"subject": "a red kite"})
    []
    """

def lint(brief: Brief, target: str = "openai", format: Format = None, all_targets: bool = False) -> list[Diagnostic]:
    """Every finding of ``imgprompt lint --format json``, errors included (never raises for them).

    >>> [d["code"] for d in imgprompt.lint({"subject": "a red kite"}) if d["severity"] == "error"]
    []
    """

def cost(brief: Brief, target: str = "openai", format: Format = None) -> Optional[dict[str, Any]]:
    """What one request costs (the ``estimate`` of ``imgprompt cost --format json``); None when
    the target is not priced.

    >>> imgprompt.cost({"subject": "a red kite"})["model"]
    'gpt-image-2'
    """

def expand(brief: Brief, format: Format = None, sample: Optional[int] = None, seed: int = 0) -> Expansion:
    """The variants of a brief (``vary``), lazily, as ``imgprompt expand`` prints them.

    >>> variants = imgprompt.expand({"subject": "a kite", "vary": {"subject": ["ink", "oil"]}})
    >>> len(variants), [v["values"]["subject"] for v in variants]
    (2, ['ink', 'oil'])
    """

def presets() -> list[dict[str, Any]]:
    """Every preset (``imgprompt presets list --format json``)."""

def models() -> dict[str, Any]:
    """The model rules (``imgprompt models --format json``)."""
