"""The registry's lazy loading: a built-in name imports only its own task module, the index of
those modules matches what loading every module registers, and a vote reduction imports none
of the heavy libraries the other task families need."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zooagg import registry
from zooagg.registry import store

HERE = Path(__file__).parent


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True)
    return done.stdout


def test_the_index_is_what_loading_every_module_registers() -> None:
    registry.load()
    for kind in registry.KINDS:
        registered = {name: c.func.__module__.rsplit(".", 1)[1] for name, c in store._REGISTRY[kind].items()
                      if c.func.__module__.startswith("zooagg.tasks.")}
        assert registry.homes()[kind] == registered, kind
    forms = {key: func.__module__.rsplit(".", 1)[1] for key, func in store._PLUCK_FORMS.items()}
    assert registry.homes()["plucked"] == forms == {"feedback": "skill"}


def test_every_module_that_registers_is_listed() -> None:
    tasks = HERE.parent / "src" / "zooagg" / "tasks"
    registering = {path.stem for path in tasks.glob("*.py")
                   if any(f"@{kind}(" in path.read_text(encoding="utf-8") for kind in registry.KINDS)}
    assert registering == set(registry.task_modules())


def test_every_built_in_name_loads_alone() -> None:
    out = _run("""
        from zooagg import registry
        from zooagg.registry import store
        for kind in registry.KINDS:
            for name in registry.homes()[kind]:
                component = registry.get(kind, name)
                assert name in (component.name, *component.aliases), (kind, name)
                assert not store._LOADED, (kind, name)
        assert registry.get("extractor", "shape_extractor_rectangle").name == "shape_extractor"
        assert not store._LOADED
        print("ok")
    """)
    assert out.strip() == "ok"


def test_a_plugin_may_not_take_a_built_in_name() -> None:
    out = _run("""
        from zooagg import registry
        from zooagg.errors import ConfigError

        def mine(extracts):
            return {}

        mine.__module__ = "someone.plugin"
        try:
            registry.reducer("question_reducer")(mine)
        except ConfigError as exc:
            print(exc.message, "|", exc.hint)
        registry.reducer("someone_reducer")(mine)
        print(registry.get("reducer", "question_reducer").func.__module__, registry.get("reducer", "someone_reducer").name)
    """)
    assert out.splitlines() == [
        "someone.plugin registers the reducer 'question_reducer', which is a built-in name | "
        "give the plugin's component a name of its own",
        "zooagg.tasks.question someone_reducer"]


def test_unknown_names_still_load_everything_and_suggest() -> None:
    out = _run("""
        from zooagg import registry
        from zooagg.errors import ConfigError
        from zooagg.registry import store
        try:
            registry.get("reducer", "question_reducr")
        except ConfigError as exc:
            print(store._LOADED, exc.hint)
    """)
    assert out.startswith("True did you mean 'question_reducer'?")


EXTRACTS = {
    "question_reducer": ("data.yes", "1.0", ["zooagg.tasks._common", "zooagg.tasks.question"]),
    "survey_reducer": ("data.choice,data.answers_hwmn.1", "zbr,1.0",
                       ["zooagg.tasks._common", "zooagg.tasks.question", "zooagg.tasks.survey"]),
    "slider_reducer": ("data.slider_value", "0.5", ["zooagg.tasks._common", "zooagg.tasks.slider"]),
}


@pytest.mark.parametrize("reducer", list(EXTRACTS))
def test_a_vote_reduction_imports_no_other_task_family(tmp_path: Path, reducer: str) -> None:
    columns, cells, modules = EXTRACTS[reducer]
    source = tmp_path / "extracts.csv"
    source.write_text(f"classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,"
                      f"{columns}\n1,ann,1,7,T0,2024-01-01,5,x_extractor,{cells}\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"reducer_config:\n    {reducer}: {{}}\n")
    out = _run(f"""
        import sys
        import pyarrow as pa
        # pyarrow imports pandas (and with it dateutil, numpy.ma) at its first array whenever
        # pandas is installed, as it is with zooagg[pandas]: not zooagg's doing, so not counted
        pa.array([])
        pyarrow_own = set(sys.modules)
        from zooagg.cli import main
        assert main(["reduce", {str(source)!r}, {str(config)!r}, "-d", {str(tmp_path)!r}, "-hb"]) == 0
        heavy = ("sklearn", "scipy", "pandas", "rapidfuzz", "tqdm", "dateutil", "importlib.metadata", "numpy.ma")
        # tasks.dropped (the dropped-mark notes the engine drains) is no task family
        print(sorted(m for m in set(sys.modules) - pyarrow_own
                     if m.startswith("zooagg.tasks.") and m != "zooagg.tasks.dropped"
                     or any(m == h or m.startswith(h + ".") for h in heavy)))
    """)
    assert out.strip().splitlines()[-1] == str(modules)
