"""The commit convention of the release notes, commit by commit: what is listed, with which kind,
and what is refused."""
from __future__ import annotations

import pytest

from quikapp_charts.core.errors import UserError
from quikapp_charts.release import notes
from quikapp_charts.release.tags import Commit


def commit(subject: str, changelog: str = "", breaking: list[str] | None = None) -> Commit:
    return Commit("0123456789abcdef" * 2 + "01234567", subject, "2026-12-06", changelog, breaking or [])


@pytest.mark.parametrize(("subject", "changelog", "kind"), [
    ("feat(go): a gRPC readiness probe", "", "added"),
    ("fix(quikapp): the NOTES.txt namespace", "", "fixed"),
    ("perf(quikapp-lib): security contexts rendered once", "", None),   # words of a subject never decide
    ("refactor: fix the add-on order", "", None),
    ("Add a security fix", "", None),                                    # no convention: internal
    ("docs(go): the probe defaults", "changed", "changed"),
    ("feat(go): removed in a moment", "Removed", "removed"),
    ("fix(go): a typo", "skip", None),
])
def test_the_kind_comes_from_the_type_or_the_trailer(subject, changelog, kind):
    found = notes.entry(commit(subject, changelog))
    assert (found.kind if found else None) == kind


def test_a_breaking_commit_is_listed_with_its_upgrade_step_or_its_description():
    stepped = notes.entry(commit("refactor(go)!: one port name", breaking=["rename ports.grpc-alt to ports.grpc"]))
    assert (stepped.kind, stepped.description, stepped.breaking) == (
        "changed", "go: one port name", ("rename ports.grpc-alt to ports.grpc",))
    bare = notes.entry(commit("feat(quikapp)!: Ingress hosts per environment"))
    assert (bare.kind, bare.breaking) == ("added", ("Ingress hosts per environment",))
    checked = notes.BreakingChange("Deployment go-service: spec.selector cannot change in place", "immutable fields")
    assert notes.breaking_changes([stepped, bare], [checked]) == [
        notes.BreakingChange("rename ports.grpc-alt to ports.grpc", "0123456789ab"),
        notes.BreakingChange("Ingress hosts per environment", "0123456789ab"), checked]


def test_a_changelog_trailer_outside_the_convention_names_the_commit():
    with pytest.raises(UserError) as raised:
        notes.entry(commit("feat(go): a probe", "improved"))
    assert str(raised.value) == ("commit 0123456789ab (feat(go): a probe): Changelog: 'improved' is none of added, "
                                 "changed, deprecated, removed, fixed, security, skip")
