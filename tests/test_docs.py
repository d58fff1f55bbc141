"""The README says what the code does: its settings table and its verification scale."""

import ast
import re
from pathlib import Path

from cases.models import VerificationStatus

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_HELPERS = {"env_bool", "env_int", "env_list"}


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def environment_variables_read(path: Path) -> set[str]:
    """Names read by ``os.environ.get(NAME)``, ``os.environ[NAME]`` or an ``env_*`` helper."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            is_environ_get = (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "environ"
            )
            is_helper = isinstance(func, ast.Name) and func.id in ENV_HELPERS
            if (is_environ_get or is_helper) and node.args:
                argument = node.args[0]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    names.add(argument.value)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def test_readme_settings_table_lists_every_environment_variable_the_settings_read():
    read = environment_variables_read(ROOT / "config" / "settings.py")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", _section("Configuration"), re.M))
    assert read, "the parser found no environment reads: has config/settings.py changed shape?"
    assert read - documented == set(), "read by config/settings.py but not in README's table"
    assert documented - read == set(), "in README's table but not read by config/settings.py"


def test_readme_verification_scale_is_the_models_definitions():
    rows = re.findall(r"^\| ([^|`]+?) \| (.+?) \|$", README, re.M)
    table = {label: meaning for label, meaning in rows if label != "status"}
    expected = {str(status.label): str(status.definition) for status in VerificationStatus}
    assert {label: table.get(label) for label in expected} == expected
