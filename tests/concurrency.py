"""Racing real database connections against each other (PostgreSQL only)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

# Marks for a module of race tests: real transactions, and PostgreSQL's row locking.
POSTGRES_RACE_MARKS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)",
    ),
]


def race(calls, *, timeout=60) -> list:
    """Run each callable in its own thread and connection, all released at the same moment.

    Returns, in the order of `calls`, what each returned; or the code of the ValidationError
    it raised; or, for any other exception, its repr (a bug the calling test should show).
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except ValidationError as exc:
            outcomes[index] = exc.code
        except Exception as exc:
            outcomes[index] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
