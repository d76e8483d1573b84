"""The documents the playbooks cite (``playbooks/references.yaml``).

A playbook node or finding names its sources by id, ``DOCUMENT#SECTION``; a diagnosis
shows them as "Title — Section" with the document's URL, so a reader can open the Cisco
document and find the section.  ``playbooks lint`` refuses an id that is not in the
file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import AgentError
from agent.resources import data_dir

REFERENCES_FILE = "references.yaml"
DASH = " — "


class ReferencesError(AgentError):
    pass


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    url: str | None = None
    sections: dict[str, str]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    documents: dict[str, _Document]


@dataclass(frozen=True)
class Citation:
    """One document and the sections of it that one node or finding cites."""

    title: str
    sections: tuple[str, ...]
    url: str | None

    def __str__(self) -> str:
        return self.title + DASH + "; ".join(self.sections) if self.sections else self.title

    def to_json(self) -> dict[str, object]:
        return {"title": self.title, "sections": list(self.sections), "url": self.url}


@dataclass(frozen=True)
class References:
    documents: dict[str, _Document]

    def known(self, ref: str) -> bool:
        doc, _, section = ref.partition("#")
        return doc in self.documents and section in self.documents[doc].sections

    def cite(self, refs: Sequence[str]) -> tuple[Citation, ...]:
        """The citations of ``refs``, one per document in first-cited order.  An unknown
        id (lint reports it) is shown as it is rather than dropped."""
        order: list[str] = []
        sections: dict[str, list[str]] = {}
        for ref in refs:
            doc, _, section = ref.partition("#")
            key = doc if self.known(ref) else ref
            if key not in sections:
                order.append(key)
                sections[key] = []
            if self.known(ref):
                sections[key].append(self.documents[doc].sections[section])
        out: list[Citation] = []
        for key in order:
            document = self.documents.get(key)
            if document is None:
                out.append(Citation(key, (), None))
            else:
                out.append(Citation(document.title, tuple(sections[key]), document.url))
        return tuple(out)


def text(citations: Sequence[Citation]) -> str:
    """The one-line form of the JSON ``reference`` field: "Title — Section; Section | Title — Section"."""
    return " | ".join(str(c) for c in citations)


def load_references(path: Path) -> References:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return References(_File.model_validate(doc).documents)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ReferencesError(f"{path}: cannot read the references: {exc}") from None
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ReferencesError(f"{path}: {msgs}") from None


@cache
def references(directory: Path | None = None) -> References:
    return load_references((directory or data_dir("playbooks")) / REFERENCES_FILE)
