"""__aexit__ sees the exception, and commits or rolls back accordingly.

The asyncio twin of crates/context-managers/src/exit_sees_error.rs.
"""

import asyncio


class Duplicate(Exception):
    def __str__(self):
        return f"duplicate row {self.args[0]!r}"


class Table:
    def __init__(self):
        self.rows = []


class Transaction:
    def __init__(self, table):
        self.table = table
        self.pending = []

    async def insert(self, row):
        await asyncio.sleep(0.1)
        if row in self.table.rows or row in self.pending:
            raise Duplicate(row)
        print(f"INSERT {row}")
        self.pending.append(row)

    async def __aenter__(self):
        print("BEGIN")
        return self

    async def __aexit__(self, exc_type, exc, traceback):
        await asyncio.sleep(0.1)
        if exc_type is None:
            print("COMMIT")
            self.table.rows.extend(self.pending)
        else:
            print(f"Exception occurred: {exc}")
            print(f"ROLLBACK, discarding {self.pending}")
        return False


async def insert_all(table, rows):
    try:
        async with Transaction(table) as tx:
            for row in rows:
                await tx.insert(row)
        print("Result: Ok(())")
    except Duplicate as error:
        print(f"Result: Err({error!r})")
    print(f"Rows: {table.rows}")


async def main():
    table = Table()
    await insert_all(table, ["alice", "bob"])
    print()
    await insert_all(table, ["carol", "alice"])
    assert table.rows == ["alice", "bob"], "the failed transaction left nothing behind"


asyncio.run(main())
