"""The generated project's scheduled template update
(`infrastructure/ci-cd/update-from-template`), run against a bare repository as
its `origin` and a template clone with tagged versions (COPIER.md, "Update
tests").

GitHub cannot be reached from the tests, so `gh` is a stand-in on PATH that
records its arguments: the pull request it would open is checked through them.
GitLab opens its merge request from push options, which a bare repository
accepts once `receive.advertisePushOptions` is on; its hook records the
options it received. Copier runs as the script runs it, through uvx at the
pinned versions.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import checks
import pytest
import yaml
from rendering import MODE, git, render_project, snapshot_template
from test_update import TEMPLATE_README_LINE, commit_all, release_v2

SCRIPT = Path("infrastructure") / "ci-cd" / "update-from-template"
BRANCH = "template-update/2"
USER_README_LAST_LINE = "Questions go to the inventory squad."

pytestmark = pytest.mark.skipif(
    MODE == "quick", reason="GROUNDWORK_MATRIX=quick (nox -s quick) runs no update test"
)

GH_STAND_IN = """\
#!{python}
import json, sys
with open({record!r}, "a", encoding="utf-8") as record:
    record.write(json.dumps(sys.argv[1:]) + "\\n")
"""

# A bare repository's hook runs in the repository: it appends the push options
# each push carried, one per line.
PUSH_OPTIONS_HOOK = """\
#!{python}
import os
count = int(os.environ.get("GIT_PUSH_OPTION_COUNT", "0"))
with open("push-options", "a", encoding="utf-8") as record:
    record.writelines(os.environ[f"GIT_PUSH_OPTION_{{i}}"] + "\\n" for i in range(count))
"""


class Workspace:
    """A project generated from template v1, pushed to a bare `origin`."""

    def __init__(self, root: Path, platform: str) -> None:
        self.platform = platform
        self.template = snapshot_template(root / "template", tag="v1")
        self.origin = root / "origin.git"
        self.project = render_project(self.template, root / "project", vcs_ref="v1", ci=platform)
        self.bin = root / "bin"
        self.gh_calls = root / "gh-calls"

        git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        if platform == "gitlab":
            git(self.origin, "config", "receive.advertisePushOptions", "true")
            hook = self.origin / "hooks" / "pre-receive"
            hook.write_text(PUSH_OPTIONS_HOOK.format(python=sys.executable), encoding="utf-8")
            hook.chmod(0o755)
        self.bin.mkdir()
        gh = self.bin / "gh"
        gh.write_text(
            GH_STAND_IN.format(python=sys.executable, record=str(self.gh_calls)),
            encoding="utf-8",
        )
        gh.chmod(0o755)

        git(self.project, "init", "--quiet", "--initial-branch=main")
        commit_all(self.project, "Generate from Groundwork v1")
        git(self.project, "remote", "add", "origin", str(self.origin))
        git(self.project, "push", "--quiet", "origin", "main")

    def propose(self) -> str:
        """Runs the script as the pipeline does; its output."""
        environment = {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "TEMPLATE_UPDATE_PLATFORM": self.platform,
            "TEMPLATE_UPDATE_TARGET": "main",
        }
        result = checks.run([self.project / SCRIPT], self.project, environment)
        assert result.returncode == 0, checks.report(result)
        return result.stdout

    def origin_branches(self) -> dict[str, str]:
        """Branch name -> commit, on origin."""
        listed = git(self.origin, "for-each-ref", "--format=%(refname:short) %(objectname)")
        return dict(line.split() for line in listed.splitlines())

    def on_origin(self, path: str, branch: str = BRANCH) -> str:
        return git(self.origin, "show", f"{branch}:{path}")

    def gh_invocations(self) -> list[list[str]]:
        if not self.gh_calls.exists():
            return []
        lines = self.gh_calls.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def push_options(self) -> list[str]:
        options = self.origin / "push-options"
        return options.read_text(encoding="utf-8").splitlines() if options.exists() else []


@pytest.fixture(params=["github", "gitlab"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, request.param)


def option_value(arguments: list[str], option: str) -> str:
    return arguments[arguments.index(option) + 1]


def test_newer_version_is_proposed_on_its_own_branch(workspace: Workspace) -> None:
    readme = workspace.project / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8") + f"\n{USER_README_LAST_LINE}\n", encoding="utf-8"
    )
    commit_all(workspace.project, "Say where questions go")
    git(workspace.project, "push", "--quiet", "origin", "main")
    release_v2(workspace.template)

    workspace.propose()

    assert set(workspace.origin_branches()) == {"main", BRANCH}
    proposed_readme = workspace.on_origin("README.md")
    assert TEMPLATE_README_LINE in proposed_readme
    assert USER_README_LAST_LINE in proposed_readme
    # Both appended to the README's end: the conflict is committed, for review.
    assert "<<<<<<< before updating" in proposed_readme
    assert yaml.safe_load(workspace.on_origin(".copier-answers.yml"))["_commit"] == "v2"
    assert git(workspace.origin, "rev-parse", f"{BRANCH}^") == git(
        workspace.origin, "rev-parse", "main"
    )
    if workspace.platform == "github":
        [call] = workspace.gh_invocations()
        assert call[:2] == ["pr", "create"]
        assert option_value(call, "--base") == "main"
        assert option_value(call, "--head") == BRANCH
        assert option_value(call, "--title") == "Update to template version 2"
        assert "- `README.md`" in option_value(call, "--body")
    else:
        options = workspace.push_options()
        assert "merge_request.create" in options
        assert "merge_request.target=main" in options
        assert "merge_request.title=Update to template version 2" in options
        [description] = [o for o in options if o.startswith("merge_request.description=")]
        assert "`README.md`" in description
        assert workspace.gh_invocations() == []


def test_project_on_the_latest_version_pushes_nothing(workspace: Workspace) -> None:
    before = workspace.origin_branches()

    output = workspace.propose()

    assert "latest version" in output
    assert workspace.origin_branches() == before
    assert workspace.gh_invocations() == []
    assert workspace.push_options() == []


def test_second_run_for_the_same_version_pushes_nothing_new(workspace: Workspace) -> None:
    release_v2(workspace.template)
    workspace.propose()
    after_first = workspace.origin_branches()
    requests = len(workspace.gh_invocations()) + len(workspace.push_options())
    git(workspace.project, "switch", "--quiet", "main")

    output = workspace.propose()

    assert f"origin already has {BRANCH}" in output
    assert workspace.origin_branches() == after_first
    assert len(workspace.gh_invocations()) + len(workspace.push_options()) == requests
