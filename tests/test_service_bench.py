"""The service benchmark's own reading of what it runs (`nox -s bench_service`):
wrk's report, PostgreSQL's statement log, the MySQL commands its relay sees,
and the ids a replayed INSERT must make anew. It measures nothing here."""

from __future__ import annotations

import pytest
from service_bench.report import Comparison, Load, Summary, percentile
from service_bench.sql import (
    CLIENT_SSL,
    COM_QUERY,
    PING,
    PREPARED,
    SIMPLE,
    Captured,
    Statement,
    made_up_ids,
    mysql_command,
    mysql_packets,
    parse_postgres_log,
    session_state,
    steady_state,
    with_new_ids,
    without_tls_offer,
)
from service_bench.wrk import Request, parse_report

WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:8000/api/v1/items?limit=100
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    38.12ms   10.02ms 201.33ms   80.01%
    Req/Sec   420.10     50.23   505.00     70.00%
  Latency Distribution
     50%   36.50ms
     75%   41.00ms
     90%   48.20ms
     99%    1.20s
  8402 requests in 10.01s, 30.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    839.36
Transfer/sec:      3.01MB
"""

POSTGRES_LOG = """\
2026-12-04 20:01:29.141 UTC [6901] postgres@gwbench_1 LOG:  statement: BEGIN;
2026-12-04 20:01:29.141 UTC [7000] postgres@other LOG:  statement: SELECT 1
2026-12-04 20:01:29.141 UTC [6901] postgres@gwbench_1 LOG:  execute s1: SELECT users.id\x20
\tFROM users\x20
\tWHERE users.id = $1::UUID AND users.email = $2
2026-12-04 20:01:29.141 UTC [6901] postgres@gwbench_1 DETAIL:  parameters: \
$1 = 'a8952435-5459-4b62-8f9f-85264ccc18a0', $2 = 'it''s, $2 = x', $3 = NULL
2026-12-04 20:01:29.142 UTC [6901] postgres@gwbench_1 LOG:  statement: ROLLBACK;
"""


def test_wrk_report_gives_throughput_of_good_answers_percentiles_and_every_error() -> None:
    load = parse_report(WRK_REPORT)
    assert load.requests_per_second == pytest.approx((8402 - 4) / 10.01)
    assert (load.p50_ms, load.p99_ms, load.errors) == (36.5, 1200.0, 9)


def test_wrk_sends_a_body_through_a_script_and_a_get_without_one() -> None:
    post = Request("POST", "http://127.0.0.1/items", ("Authorization: Bearer t",), '{"a": "b"}')
    assert post.lua() == (
        'wrk.method = "POST"\nwrk.body = "{\\"a\\": \\"b\\"}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    assert Request("GET", "http://127.0.0.1/health/live").lua() is None


def test_postgres_log_gives_the_databases_statements_with_their_parameters() -> None:
    statements = parse_postgres_log(POSTGRES_LOG, "gwbench_1")
    assert statements == [
        Statement("BEGIN;", SIMPLE),
        Statement(
            "SELECT users.id \nFROM users \nWHERE users.id = $1::UUID AND users.email = $2",
            PREPARED,
            ("a8952435-5459-4b62-8f9f-85264ccc18a0", "it's, $2 = x", None),
        ),
        Statement("ROLLBACK;", SIMPLE),
    ]
    assert len(parse_postgres_log(POSTGRES_LOG)) == 4


def test_mysql_relay_reads_commands_but_not_the_login_and_takes_back_the_tls_offer() -> None:
    def packet(sequence: int, payload: bytes) -> bytes:
        return len(payload).to_bytes(3, "little") + bytes([sequence]) + payload

    login = packet(1, b"\x8d\xa6\x0f\x00 credentials")
    query = packet(0, bytes([COM_QUERY]) + b"SELECT 1")
    buffer = bytearray(login + query + packet(0, b"\x0e") + query[:5])
    statements = [
        mysql_command(payload) for sequence, payload in mysql_packets(buffer) if not sequence
    ]
    assert statements == [Statement("SELECT 1"), Statement("", PING)]
    assert buffer == query[:5]  # the rest of that packet has not arrived yet

    flags = (0xF7FF | CLIENT_SSL).to_bytes(2, "little")
    greeting = packet(0, b"\x0a" + b"10.11.19-MariaDB\x00" + bytes(4 + 8 + 1) + flags + b"more")
    flags_at = 4 + 1 + 17 + 13
    offered = int.from_bytes(without_tls_offer(greeting)[flags_at : flags_at + 2], "little")
    assert offered == 0xF7FF & ~CLIENT_SSL


def test_mysql_session_is_set_up_as_the_services_connection_last_left_it() -> None:
    history = ["SET NAMES utf8mb4", "SET autocommit=0", "SELECT 1", "SET AUTOCOMMIT = 1"]
    history.append("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    assert [statement.sql for statement in session_state(map(Statement, history))] == [
        "SET NAMES utf8mb4",
        "SET AUTOCOMMIT = 1",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    ]


def test_replayed_insert_gets_new_ids_and_keeps_those_read_before_it() -> None:
    user = "a8952435-5459-4b62-8f9f-85264ccc18a0"
    item = "3063e1ca75ec4b71961423bcc4dd2317"
    request = [
        Statement("SELECT * FROM users WHERE id = $1", PREPARED, (user,)),
        Statement(
            "INSERT INTO items VALUES "
            "('3063e1ca75ec4b71961423bcc4dd2317', 'a8952435-5459-4b62-8f9f-85264ccc18a0')"
        ),
    ]
    assert made_up_ids(request) == {item}
    replayed = with_new_ids(request, made_up_ids(request))
    assert replayed[0] == request[0]
    assert user in replayed[1].sql
    assert item not in replayed[1].sql
    assert len(replayed[1].sql) == len(request[1].sql)


def test_an_inserted_id_that_every_captured_request_names_is_not_made_up() -> None:
    user = "a8952435-5459-4b62-8f9f-85264ccc18a0"
    item = "3063e1ca75ec4b71961423bcc4dd2317"
    # The owner comes from the token: no statement reads the user first.
    insert = "INSERT INTO items (id, owner_id) VALUES ($1, $2)"
    first = [Statement(insert, PREPARED, (item, user))]
    second = [Statement(insert, PREPARED, ("9f0c" + "0" * 28, user))]
    assert made_up_ids(first) == {item, user}
    assert made_up_ids(first, [second]) == {item}


def test_captured_sql_is_what_most_requests_ran() -> None:
    opening = Captured((Statement("SELECT version()"), Statement("SELECT 1")))
    usual = Captured((Statement("SELECT 2"),))
    assert steady_state([opening, usual, Captured((Statement("SELECT 3"),))]).statements == (
        Statement("SELECT 3"),
    )
    assert Statement("SELECT 'a', 10 WHERE x = 'it''s'").shape == "SELECT ?, ? WHERE x = ?"
    assert steady_state([opening, usual, usual]) is usual


def test_rounds_are_summed_up_by_medians_and_compared_as_ratios_and_shares() -> None:
    loads = [Load(100, 5, 40, 0), Load(300, 5, 20, 1), Load(200, 5, 30, 0)]
    summary = Summary.of(loads)
    assert (summary.requests_per_second, summary.p99_ms, summary.errors) == (200, 30, 1)
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    table = Comparison(["title"], "v1", "working tree")
    table.rows = {"list": (summary, Summary.of([Load(300, 5, 15, 0)])), "ceiling": (summary,) * 2}
    table.shares = {"list / ceiling": ("list", "ceiling")}
    lines = table.render().splitlines()
    assert lines[6].split()[-2:] == ["1.50", "2.00"]
    assert lines[8].split() == ["list", "/", "ceiling", "100%", "150%"]
