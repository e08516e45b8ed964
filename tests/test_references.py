"""``deep_bottleneck.references``: the generated configuration and plug-in references name every config key and
every registered plug-in with each of its arguments, and README's configuration table is the generated one."""

import inspect
import re

import pytest

from deep_bottleneck import config, plugins, references
from tests.conftest import PROJECT_ROOT


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The cells of every table row whose first cell is a code span, by that span's text."""
    rows = {}
    for line in markdown.splitlines():
        match = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(2))]
    return rows


def config_sections(markdown: str) -> dict[str, dict[str, str]]:
    """Each ``## `key` `` section of the configuration reference: its meaning and its ``- name: value`` lines."""
    sections = {}
    for match in re.finditer(r"^## `([^`]+)`\n\n(.*?)(?=^## |\Z)", markdown, re.M | re.S):
        meaning, *facts = match.group(2).strip().split("\n")
        sections[match.group(1)] = {"meaning": meaning, **dict(line[2:].split(": ", 1) for line in facts if line)}
    return sections


def test_the_configuration_reference_has_every_key_with_its_type_default_allowed_values_and_meaning():
    page = references.config_reference_markdown()
    sections = config_sections(page)
    assert list(sections) == list(config.KEY_CHECKS)
    assert set(sections) == set(config.default_config()) == set(config.KEY_DESCRIPTIONS)
    for key, facts in sections.items():
        assert facts["meaning"][1:].startswith(config.KEY_DESCRIPTIONS[key][1:])
        assert facts["type"] == config.KEY_CHECKS[key].accepts
        assert facts["default"] == f"`{references.json.dumps(config.default_config()[key])}`"
        assert f"| [`{key}`](#{key.replace('_', '-')}) |" in page, "every key in the summary table, linked"
    assert sections["calculate_mi_for"]["allowed values"] == "`training`, `test`, `full_dataset`"
    assert sections["snapshot_schedule"]["allowed values"] == "`stepped`, `log`"
    assert "`tanh`" in sections["activation_fn"]["allowed values"]
    assert "allowed values" not in sections["epochs"]
    for key, kind in (("model", "model"), ("dataset", "dataset"), ("estimator", "estimator"),
                      ("callbacks", "callback"), ("plotters", "plotter")):
        assert sections[key]["allowed values"] == ", ".join(f"`{name}`" for name in plugins.available(kind))


def test_every_allowed_value_listed_is_accepted_by_the_config_check():
    for entry in config.key_reference():
        for value in entry.allowed:
            if entry.key in ("callbacks", "plotters", "estimators"):
                value = [value]
            config.validate_config({entry.key: value})


@pytest.mark.parametrize("kind, name", [(kind, name) for kind in plugins.KINDS for name in plugins.available(kind)])
def test_the_plugin_reference_has_every_plugin_with_every_argument_described(kind, name):
    page = references.plugin_reference_markdown()
    section = page.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    parameters = inspect.signature(plugins.load_module(kind, name).load).parameters
    rows = table_rows(section)
    assert list(rows) == list(parameters)
    for argument, (type_text, default, meaning) in rows.items():
        assert references.UNDOCUMENTED not in meaning, f"{name}: argument {argument!r} has no description"
        parameter = parameters[argument]
        assert (default == "required") == (parameter.default is inspect.Parameter.empty)
        if parameter.annotation is not inspect.Parameter.empty:
            assert type_text, f"{name}: {argument!r} has a type hint the reference does not show"


def test_arguments_the_framework_fills_in_are_marked_with_what_fills_them():
    arguments = {argument.name: argument for argument in references.plugin_arguments("callback",
                                                                                     "callbacks.activityprojector")}
    assert arguments["projector_folder"].given_by and arguments["mi_split"].given_by
    assert not arguments["every"].given_by
    model = {argument.name: argument for argument in references.plugin_arguments("model", "models.feedforward")}
    assert model["architecture"].given_by == "config key `architecture`"
    assert model["input_size"].given_by and not model["quantise_bits"].given_by


def test_docstring_arguments_reads_googles_args_section_with_continuation_lines():
    docstring = """Summary.

    Args:
        first: One line.
        second: Two
            lines.

    Returns:
        first: not an argument.
    """
    assert references.docstring_arguments(docstring) == {"first": "One line.", "second": "Two lines."}


def test_the_readme_configuration_table_is_the_generated_one():
    readme = (PROJECT_ROOT / "README.md").read_text()
    expected = references.readme_config_table()
    assert expected in readme, (
        "README.md's configuration table differs from the code (deep_bottleneck.config.KEY_DESCRIPTIONS and the "
        "checks); replace it by the output of: python -c 'from deep_bottleneck import references; "
        "print(references.readme_config_table())'")
