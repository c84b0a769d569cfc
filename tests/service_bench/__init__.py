"""The generated service's benchmark across two template revisions (`nox -s bench_service`).

Both revisions are rendered with the same answers and served one at a time;
wrk measures the sample API of each, and a bare database client measures the
ceiling: the SQL that one request runs, with no web stack around it.
`python -m service_bench --help` (from tests/) lists the options.
"""
