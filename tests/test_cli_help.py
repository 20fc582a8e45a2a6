"""The command line explains itself: ``--version``, help text on every option, a working
example under every command's ``--help``, and shell completion generated from the parser."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from importlib.metadata import version

import pytest

from inboxwatch.cli import build_parser, iter_commands, main
from inboxwatch.cli._examples import EXAMPLES

GLOBALS = {"config", "db", "json", "as_email", "verbose", "help"}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"inboxwatch {version('inboxwatch')}"


def test_every_option_and_argument_says_what_it_is() -> None:
    missing = [(" ".join(words), action.option_strings or action.dest)
               for words, command in iter_commands(build_parser())
               for action in command._actions
               if action.dest not in GLOBALS and not action.help]
    assert missing == []


def test_every_command_has_an_example_that_parses() -> None:
    parser = build_parser()
    commands = {" ".join(words): command for words, command in iter_commands(parser)}
    assert set(EXAMPLES) == set(commands)
    for words, example in EXAMPLES.items():
        assert commands[words].epilog == f"example:\n  {example}"
        argv = shlex.split(example.split("|")[0].split("||")[0].split(">")[0])
        argv = argv[len(argv) - argv[::-1].index("inboxwatch"):]  # after sudo -u inboxwatch
        args = parser.parse_args(argv)  # a stale example exits 2 here
        assert args.func is commands[words].get_default("func"), example


def test_help_shows_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["case", "update", "--help"])
    out = capsys.readouterr().out
    assert "example:\n  inboxwatch case update 1007" in out
    assert "the update's text" in out


@pytest.mark.subprocess
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_and_subcommands(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out

    def complete(*words: str) -> list[str]:
        line = " ".join(("inboxwatch", *words))
        probe = (f"source /dev/stdin <<'EOF'\n{script}\nEOF\n"
                 f"COMP_WORDS=(inboxwatch {' '.join(words)}); COMP_CWORD={len(words)}; "
                 f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}; "
                 f"_shtab_inboxwatch inboxwatch {shlex.quote(words[-1])} "
                 f"{shlex.quote(('inboxwatch', *words)[-2])}; "
                 'printf "%s\\n" "${COMPREPLY[@]}"')
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                              timeout=30, check=True)
        return done.stdout.split()

    assert complete("mess") == ["messages"]
    assert complete("case", "add") == ["add-participant"]
    assert "--older-than" in complete("purge", "--o")


def test_completion_scripts_for_zsh_and_tcsh(capsys: pytest.CaptureFixture[str]) -> None:
    for shell in ("zsh", "tcsh"):
        assert main(["completion", shell]) == 0
        assert "messages" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["completion", "fish"])
    assert "invalid choice" in capsys.readouterr().err

