"""Mako rendering in confined processes: results, errors with their template line, limits,
and a hostile template's attempts on the hub (each refused, the hub unharmed).

A real zygote, real forks, real kernel limits: nothing here is mocked.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossdock.mapping.mako import (
    LimitExceeded,
    MakoLimits,
    MakoRenderer,
    MakoUnavailable,
    TemplateError,
    render_mako,
)

SECRET = "hub-secret-0123456789"
NOBODY = pwd.getpwnam("nobody")


@pytest.fixture(scope="module")
def renderer() -> Iterator[MakoRenderer]:
    with MakoRenderer(MakoLimits(timeout=10, memory=256 << 20)) as made:
        made.start()
        yield made


@pytest.fixture(scope="module")
def impatient() -> Iterator[MakoRenderer]:
    """Short wall-clock and CPU limits, for the templates that never finish."""
    with MakoRenderer(MakoLimits(timeout=0.75, cpu=1, max_output=4096)) as made:
        made.start()
        yield made


def healthy(renderer: MakoRenderer) -> None:
    """The renderer still answers, and quickly, after whatever the last template did."""
    start = time.perf_counter()
    assert renderer.render("${record['n'] + 1}", [{"n": 41}]).output == "42"
    assert time.perf_counter() - start < 2


# -- results ---------------------------------------------------------------------------------


def test_renders_records_and_variables(renderer: MakoRenderer) -> None:
    template = (
        "% for item in records:\n"
        "${item['sku']}:${currency}:${variables['currency']}\n"
        "% endfor\n"
        "first=${record['sku']}"
    )
    rendered = renderer.render(template, [{"sku": "A"}, {"sku": "B"}], {"currency": "SGD"})
    assert rendered.output == "A:SGD:SGD\nB:SGD:SGD\nfirst=A"
    assert not rendered.is_json
    assert rendered.envelope() == {"output": rendered.output}


def test_json_output_is_also_answered_as_a_record(renderer: MakoRenderer) -> None:
    template = (
        '{"title": ${tojson(record["title"])}, "skus": ${tojson([r["sku"] for r in records])}}'
    )
    rendered = renderer.render(template, [{"title": 'Shoe "42"', "sku": "A"}, {"sku": "B"}])
    assert rendered.is_json
    assert rendered.record == {"title": 'Shoe "42"', "skus": ["A", "B"]}
    assert rendered.envelope() == {"output": rendered.output, "record": rendered.record}


def test_only_objects_and_arrays_count_as_records(renderer: MakoRenderer) -> None:
    assert not renderer.render("42", []).is_json
    assert not renderer.render("{not json", []).is_json
    assert not renderer.render('{"x": NaN}', []).is_json
    assert renderer.render('{"big": 123456789012345678901234567890}', []).record == {
        "big": 123456789012345678901234567890
    }
    assert renderer.render("  [1, 2]\n", []).record == [1, 2]


def test_no_records_means_record_is_none(renderer: MakoRenderer) -> None:
    assert renderer.render("${record is None} ${len(records)}", []).output == "True 0"


def test_preloaded_modules_can_be_imported(renderer: MakoRenderer) -> None:
    template = (
        "<%! import datetime, decimal, json %>"
        "${datetime.date(2026, 1, 2).isoformat()} ${decimal.Decimal('1.10') * 2} "
        "${json.dumps({'a': 1})}"
    )
    assert renderer.render(template, []).output == '2026-01-02 2.20 {"a": 1}'


def test_variables_that_are_not_names_stay_in_variables(renderer: MakoRenderer) -> None:
    variables = {"context": "x", "class": "y", "with-dash": "z", "records": "no"}
    template = (
        "${variables['context']}${variables['class']}${variables['with-dash']}${len(records)}"
    )
    assert renderer.render(template, [], variables).output == "xyz0"


def test_render_mako_starts_its_own_zygote_when_given_none() -> None:
    assert render_mako("${record['a']}", [{"a": "ok"}]).output == "ok"


# -- template errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "line", "kind", "words"),
    [
        ("line one\nline two\n${x +}\n", 3, "syntax", "SyntaxError"),
        ("a\n% for x in records:\nb\n", 2, "syntax", "Unterminated control keyword"),
        ("a\n<%\n  y = 1\n  z = y / 0\n%>", 4, "render", "ZeroDivisionError"),
        ("a\nb\n${nope}\n", 3, "render", "'nope' is not defined"),
        ("<%def name='f()'>\n${record['missing']}\n</%def>\n${f()}", 2, "render", "KeyError"),
    ],
)
def test_errors_name_the_template_line(
    renderer: MakoRenderer, template: str, line: int, kind: str, words: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        renderer.render(template, [{"sku": "A"}])
    error = caught.value
    assert (error.kind, error.line, error.field, error.status) == (kind, line, "template", 400)
    assert words in error.detail
    assert error.detail.startswith(f"Line {line}: ")
    assert error.errors == [
        {
            "field": "template",
            "kind": kind,
            "detail": error.detail[len(f"Line {line}: ") :],
            "line": str(line),
        }
    ]


def test_system_exit_and_a_silent_exit_are_template_errors(renderer: MakoRenderer) -> None:
    with pytest.raises(TemplateError, match="SystemExit: 3"):
        renderer.render("<% raise SystemExit(3) %>", [])
    with pytest.raises(TemplateError, match=r"ended its render process \(exit code 0\)"):
        renderer.render("<% import os; os._exit(0) %>", [])
    healthy(renderer)


def test_a_crash_of_the_render_process_is_a_template_error(renderer: MakoRenderer) -> None:
    with pytest.raises(TemplateError, match="crashed") as caught:
        renderer.render("<% import os, signal; os.kill(os.getpid(), signal.SIGSEGV) %>", [])
    assert caught.value.kind == "crash"
    healthy(renderer)


# -- limits ----------------------------------------------------------------------------------


def test_a_template_that_loops_forever_is_stopped_at_the_timeout(
    impatient: MakoRenderer,
) -> None:
    start = time.perf_counter()
    with pytest.raises(LimitExceeded, match=r"longer than 0\.75 seconds") as caught:
        impatient.render("<%\nwhile True:\n    pass\n%>", [])
    assert caught.value.status == 422
    assert caught.value.limit == "timeout"
    assert time.perf_counter() - start < 2
    healthy(impatient)


def test_a_sleeping_template_is_stopped_at_the_timeout(impatient: MakoRenderer) -> None:
    start = time.perf_counter()
    with pytest.raises(LimitExceeded, match="longer than"):
        impatient.render("<% import time; time.sleep(60) %>", [])
    assert time.perf_counter() - start < 2
    healthy(impatient)


def test_cpu_time_is_limited_separately_from_wall_time() -> None:
    with MakoRenderer(MakoLimits(timeout=20, cpu=1)) as cpu_bound:
        start = time.perf_counter()
        with pytest.raises(LimitExceeded, match="CPU time") as caught:
            cpu_bound.render("<%\nwhile True:\n    pass\n%>", [])
        assert caught.value.limit == "cpu"
        assert time.perf_counter() - start < 10


def test_allocating_10_gb_fails_on_the_memory_limit(renderer: MakoRenderer) -> None:
    for template in ("${'x' * (10 * 1024**3)}", "<% b = bytearray(10 * 1024**3) %>"):
        with pytest.raises(LimitExceeded, match=r"out of memory \(limit 256 MiB\)") as caught:
            renderer.render(template, [])
        assert caught.value.limit == "memory"
    healthy(renderer)


def test_output_past_the_limit_is_refused(impatient: MakoRenderer) -> None:
    with pytest.raises(LimitExceeded, match="the limit is 4096") as caught:
        impatient.render("${'x' * 5000}", [])
    assert caught.value.limit == "output"


def test_a_forged_oversized_frame_is_cut_off(impatient: MakoRenderer) -> None:
    # The template writes straight to its result pipe, past the cap the hub reads.
    template = "<% import os, struct; os.write(3, b'O' + struct.pack('>I', 1 << 30)) %>"
    with pytest.raises(LimitExceeded, match="output limit"):
        impatient.render(template, [])
    healthy(impatient)


def test_input_past_the_limit_is_refused_before_any_process_starts() -> None:
    small = MakoRenderer(MakoLimits(max_input=2048))
    with pytest.raises(LimitExceeded, match="the limit is 2048") as caught:
        small.render("${len(records)}", [{"blob": "x" * 4096}])
    assert caught.value.field == "record"
    small.close()


# -- a hostile template ----------------------------------------------------------------------


def test_the_environment_is_empty(renderer: MakoRenderer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSDOCK_SECRET_KEY", SECRET)
    assert renderer.render("<% import os %>${dict(os.environ)}", []).output == "{}"
    with pytest.raises(TemplateError, match="KeyError"):
        renderer.render("<% import os %>${os.environ['CROSSDOCK_SECRET_KEY']}", [])
    # Not even the zygote was given the hub's environment.
    assert Path(f"/proc/{renderer.start().pid}/environ").read_bytes() == b""


@pytest.mark.parametrize(
    "target", ["crossdock.key", "crossdock.db", "/etc/passwd", "/proc/1/environ"]
)
def test_files_of_the_host_cannot_be_read(
    renderer: MakoRenderer, tmp_path: Path, target: str
) -> None:
    path = target if target.startswith("/") else str(tmp_path / target)
    if not target.startswith("/"):
        Path(path).write_text(SECRET)
    with pytest.raises(TemplateError) as caught:
        renderer.render(f"${{open({path!r}).read()}}", [])
    assert "Error" in caught.value.detail
    assert SECRET not in caught.value.detail
    # Even a call that needs no file descriptor finds nothing: the root is an empty jail.
    with pytest.raises(TemplateError, match=r"PermissionError|FileNotFoundError"):
        renderer.render(f"<% import os %>${{os.stat({path!r})}}", [])


def test_the_zygote_lives_in_an_empty_deleted_directory(renderer: MakoRenderer) -> None:
    root = f"/proc/{renderer.start().pid}/root"
    assert os.readlink(root).endswith(" (deleted)")
    assert os.listdir(root) == []


def test_crossdock_cannot_be_imported_to_reach_the_settings(renderer: MakoRenderer) -> None:
    for template in (
        "<% import crossdock.settings %>",
        "<% from crossdock.settings import load_settings %>${load_settings().secret_key}",
        "<% import crossdock.hub %>",
        "<% import sqlite3 %>",
    ):
        with pytest.raises(TemplateError, match="Error"):
            renderer.render(template, [])


def test_no_network(renderer: MakoRenderer) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        template = f"<% import socket; socket.create_connection(('127.0.0.1', {port})) %>"
        with pytest.raises(TemplateError, match="OSError"):
            renderer.render(template, [])
        with pytest.raises(TimeoutError):
            listener.accept()
    # Where the kernel allows it, render processes live in a network namespace of their own.
    zygote = renderer.start()
    if zygote.network_isolated:
        assert os.readlink(f"/proc/{zygote.pid}/ns/net") != os.readlink("/proc/self/ns/net")


def test_no_fork_and_no_programs(renderer: MakoRenderer) -> None:
    with pytest.raises(TemplateError, match=r"BlockingIOError|Resource temporarily unavailable"):
        renderer.render("<% import os; os.fork() %>", [])
    with pytest.raises(TemplateError, match="Error"):
        renderer.render("<% import subprocess; subprocess.run(['id']) %>", [])
    healthy(renderer)


def test_no_files_can_be_written(renderer: MakoRenderer, tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    for template in (
        f"<% open({str(target)!r}, 'w').write('x') %>",
        "<% open('/dropped.txt', 'w').write('x') %>",
        "<% import os; os.mkdir('/dropped') %>",
    ):
        with pytest.raises(TemplateError, match="Error"):
            renderer.render(template, [])
    assert not target.exists()


def test_the_render_process_is_an_unprivileged_user(renderer: MakoRenderer) -> None:
    template = "<% import os %>${os.getresuid()} ${os.getresgid()} ${os.getgroups()}"
    uid, gid = NOBODY.pw_uid, NOBODY.pw_gid
    nogroup = __import__("grp").getgrnam("nogroup").gr_gid
    assert renderer.render(template, []).output == f"({uid}, {uid}, {uid}) " + (
        f"({nogroup}, {nogroup}, {nogroup}) []"
    )
    assert gid  # nobody's own group is irrelevant: the render runs as nogroup
    with pytest.raises(TemplateError, match="PermissionError"):
        renderer.render("<% import os; os.setuid(0) %>", [])


def test_the_hub_can_be_neither_signalled_nor_traced(renderer: MakoRenderer) -> None:
    hub = os.getpid()
    with pytest.raises(TemplateError, match="PermissionError"):
        renderer.render(f"<% import os, signal; os.kill({hub}, signal.SIGKILL) %>", [])
    # PTRACE_ATTACH (16) answers -1: another user's process.
    template = f"<% import ctypes %>${{ctypes.CDLL(None).ptrace(16, {hub}, 0, 0)}}"
    assert renderer.render(template, []).output == "-1"


def test_a_render_sees_no_earlier_renders_records(renderer: MakoRenderer) -> None:
    """The zygote never reads payloads, so a render process inherits none from it."""
    # The marker is built at run time, so the template's own text and locals never hold it.
    count = (
        "<%! import gc %>${sum(1 for o in gc.get_objects() "
        "if isinstance(o, dict) and 'TENANT-A-' + 'MARK' in repr(o))}"
    )
    # The same scan finds the records of its own render (so the scan can fail) ...
    assert int(renderer.render(count, [{"secret": "TENANT-A-MARK"}]).output) >= 1
    # ... and nothing of them in the next render.
    assert renderer.render(count, [{"other": "tenant B"}]).output == "0"


# -- the zygote's life -----------------------------------------------------------------------


def test_a_dead_zygote_is_replaced_on_the_next_render() -> None:
    with MakoRenderer() as fresh:
        first = fresh.start().pid
        os.kill(first, signal.SIGKILL)
        assert fresh.render("${1 + 1}", []).output == "2"
        assert fresh.start().pid != first


def test_closing_the_renderer_stops_the_zygote() -> None:
    fresh = MakoRenderer()
    pid = fresh.start().pid
    fresh.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(MakoUnavailable, match="closed"):
        fresh.render("x", [])


# -- refusing to render unconfined -----------------------------------------------------------


def test_an_unknown_user_refuses_to_render() -> None:
    with (
        MakoRenderer(user="no-such-user-here") as broken,
        pytest.raises(MakoUnavailable, match="does not exist") as caught,
    ):
        broken.render("x", [])
    assert caught.value.status == 503


def test_a_zygote_that_cannot_start_refuses_to_render() -> None:
    with (
        MakoRenderer(python="/bin/false") as broken,
        pytest.raises(MakoUnavailable, match="could not confine itself: exit code 1"),
    ):
        broken.render("x", [])


def test_without_root_it_refuses_to_render() -> None:
    script = (
        "import json, os\n"
        "from crossdock.mapping.mako.renderer import MakoRenderer\n"
        "from crossdock.mapping.mako.errors import MakoUnavailable\n"
        f"os.seteuid({NOBODY.pw_uid})\n"
        "try:\n"
        "    MakoRenderer().render('x', [])\n"
        "    print(json.dumps({'rendered': True}))\n"
        "except MakoUnavailable as exc:\n"
        "    print(json.dumps({'refused': exc.detail, 'status': exc.status}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert "not running as root" in answer["refused"]


def test_renders_are_fast(renderer: MakoRenderer) -> None:
    template = '{"sku": ${tojson(record["sku"])}, "count": ${len(records)}}'
    records = [{"sku": "A1"}]
    renderer.render(template, records)
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        renderer.render(template, records)
        timings.append(time.perf_counter() - start)
    timings.sort()
    # A few milliseconds on an idle machine; generous here for a shared, busy one.
    assert timings[len(timings) // 2] < 0.1
