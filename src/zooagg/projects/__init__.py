"""Components for particular Zooniverse projects, each module a plugin.

They are registered the way any team's plugin is (docs/plugins.md): each module is named by an
entry point of the `zooagg.plugins` group in zooagg's own pyproject.toml, and the registry
imports it when it loads plugins, so project-specific code stays out of the general task
families in `zooagg.tasks`. `shakespeares_world`: Shakespeare's World and AnnoTate;
`notes_from_nature`: Notes from Nature's Field Book (WeDigBio events included);
`intro2astro`: Intro2Astro's galaxy velocities.
"""

from __future__ import annotations

from typing import Any


def subject_metadata(classification: Any) -> dict[str, Any]:
    """The classified subject's metadata: from the export's `subject_data` (or, live, the
    `subject` Caesar posts), `{}` when there is none."""
    data = getattr(classification, "subject_data", None) or {}
    subject_ids = str(getattr(classification, "subject_ids", ""))
    metadata: Any = data.get(subject_ids) if subject_ids in data else next(iter(data.values()), {})
    return metadata if isinstance(metadata, dict) else {}
