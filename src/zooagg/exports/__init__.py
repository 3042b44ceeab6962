"""Readers for Zooniverse exports: classification, workflow and subject exports."""

from .classifications import Classification, ClassificationReader
from .subjects import read_subjects
from .versions import VersionRange
from .workflows import WorkflowVersion, read_workflows

__all__ = [
    "Classification",
    "ClassificationReader",
    "VersionRange",
    "WorkflowVersion",
    "read_subjects",
    "read_workflows",
]
